-- One labelled instance: {"features":{...},"label":0 or 1}, for
-- POST /v1/models/{name}/learn. The label is drawn from the transaction's fraud score,
-- so about one in ten is positive and the model has something to learn.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

common.run(function(r)
    local features, score = common.features(r)
    local label = r() < 0.02 + 0.5 * score and 1 or 0
    return '{"features":' .. features .. ',"label":' .. label .. '}'
end, 1024)
