-- One instance to score: {"features":{...20 features...}}, for
-- POST /v1/models/{name}/predict (and the floor server, which takes any body).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

common.run(function(r)
    local features = common.features(r)
    return '{"features":' .. features .. '}'
end, 1024)
