-- One decision's context: {"context":{...20 features...}}, for
-- POST /v1/bandits/{name}/rank (a context-free policy such as thompson gets the same
-- body, so both policies are measured on the same request size).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

common.run(function(r)
    local features = common.features(r)
    return '{"context":' .. features .. '}'
end, 1024)
