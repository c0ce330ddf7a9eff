-- A batch of 100 instances to score in one request:
-- {"instances":[{"features":{...}}, ... 100 ...]}, for POST /v1/models/{name}/predict.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

local batch = 100

common.run(function(r)
    local instances = {}
    for i = 1, batch do
        local features = common.features(r)
        instances[i] = '{"features":' .. features .. '}'
    end
    return '{"instances":[' .. table.concat(instances, ",") .. ']}'
end, 64)
