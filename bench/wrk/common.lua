-- Shared by the request scripts in bench/wrk/ (bench/http.sh runs them under wrk).
--
-- Each script builds one kind of JSON body from the same seeded feature generator and
-- hands it to run(): every wrk thread then makes its own pool of requests in init(),
-- from a seed fixed by the thread's number, and request() cycles through the pool.
-- Building the bodies up front keeps Lua out of the measured loop (wrk's advice for
-- fast servers); the pool varies the feature values from one request to the next, and
-- the same run makes the same requests every time.
--
-- The path comes from the URL given to wrk, so one script serves every endpoint that
-- takes its kind of body. `wrk ... URL -- FILE` also writes the thread's first body to
-- FILE, for bench/http.sh to check with curl before it measures.

local M = {}

M.seed = 20261125

-- Park-Miller "minimal standard" generator. 16807 * (2^31 - 1) < 2^53, so every step
-- is exact in doubles and the stream is the same under any Lua.
function M.rng(seed)
    local state = seed % 2147483646 + 1
    return function()
        state = (state * 16807) % 2147483647
        return state / 2147483647
    end
end

local function pick(r, list)
    return list[math.floor(r() * #list) + 1]
end

local function normal(r)
    return math.sqrt(-2 * math.log(r())) * math.cos(2 * math.pi * r())
end

local countries = { "GB", "US", "DE", "FR", "ES", "IT", "NL", "IE", "PL", "SE", "IN", "BR",
    "NG", "CA", "AU", "JP" }
local currencies = { "GBP", "USD", "EUR", "EUR", "EUR", "PLN", "SEK", "INR", "BRL", "JPY" }
local categories = { "grocery", "fuel", "travel", "electronics", "fashion", "restaurants",
    "gaming", "pharmacy", "utilities", "jewellery", "gift_cards", "transport" }
local channels = { "pos", "ecom", "atm", "moto", "contactless" }
local devices = { "ios", "android", "desktop", "tablet", "unknown" }
local card_types = { "debit", "credit", "prepaid", "corporate" }
local domains = { "gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me",
    "example.org", "mail.ru", "gmx.de" }
local browsers = { "chrome", "safari", "firefox", "edge", "samsung", "other" }

-- One transaction: 10 numeric and 10 categorical features, as the JSON text of an
-- object. Numbers get at most 4 decimals; strings are plain ASCII, so none needs
-- escaping. Also returns a fraud score in [0, 1] for scripts that need a label.
function M.features(r)
    local amount = math.exp(3.5 + 1.2 * normal(r))
    local avg7 = amount * (0.5 + r())
    local ip_risk = r() ^ 3
    local distance = math.exp(2 + 2 * normal(r))
    local parts = {
        string.format('"amount":%.2f', amount),
        string.format('"amount_avg_7d":%.2f', avg7),
        string.format('"tx_count_1h":%d', math.floor(-math.log(r()) * 1.5)),
        string.format('"tx_count_24h":%d', math.floor(-math.log(r()) * 8)),
        string.format('"account_age_days":%d', math.floor(r() * 3650)),
        string.format('"distance_km":%.1f', distance),
        string.format('"hour":%d', math.floor(r() * 24)),
        string.format('"minutes_since_last":%.1f', -math.log(r()) * 600),
        string.format('"ip_risk":%.4f', ip_risk),
        string.format('"amount_ratio":%.4f', amount / avg7),
        '"country":"' .. pick(r, countries) .. '"',
        '"currency":"' .. pick(r, currencies) .. '"',
        '"merchant_category":"' .. pick(r, categories) .. '"',
        string.format('"merchant_id":"m%05d"', math.floor(r() * 20000)),
        '"channel":"' .. pick(r, channels) .. '"',
        '"device":"' .. pick(r, devices) .. '"',
        '"card_type":"' .. pick(r, card_types) .. '"',
        '"bin_country":"' .. pick(r, countries) .. '"',
        '"email_domain":"' .. pick(r, domains) .. '"',
        '"browser":"' .. pick(r, browsers) .. '"',
    }
    local score = math.min(1, 0.6 * ip_risk + 0.2 * math.min(1, amount / 2000) +
        0.2 * math.min(1, distance / 5000))
    return "{" .. table.concat(parts, ",") .. "}", score
end

-- Installs wrk's setup/init/request globals. make_body(r) returns one body; pool is how
-- many distinct requests each thread makes.
function M.run(make_body, pool)
    local threads = 0

    -- setup() runs in wrk's main Lua state; it numbers the threads.
    function setup(thread)
        threads = threads + 1
        thread:set("thread_number", threads)
    end

    function init(args)
        local r = M.rng(M.seed + 7919 * (thread_number or 1))
        wrk.method = "POST"
        wrk.headers["Content-Type"] = "application/json"
        local first
        requests = {}
        for i = 1, pool do
            local body = make_body(r)
            first = first or body
            requests[i] = wrk.format(nil, nil, nil, body)
        end
        if args[1] and (thread_number or 1) == 1 then
            local f = assert(io.open(args[1], "w"))
            f:write(first)
            f:close()
        end
        next_request = 0
    end

    function request()
        next_request = next_request % #requests + 1
        return requests[next_request]
    end
end

return M
