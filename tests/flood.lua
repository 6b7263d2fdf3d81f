-- SPDX-License-Identifier: MIT
-- wrk load for tests/flood.sh, paced: each connection waits FLOOD_DELAY_MS
-- before each request, so that C connections send about
-- C * 1000 / (FLOOD_DELAY_MS + latency) requests a second.
--   FLOOD_MODE=bad   POSTs with a new random bearer token each (a flood of
--                    401s, every one with another fingerprint);
--   FLOOD_MODE=good  valid deliveries with FLOOD_TOKEN, each a new event
--                    id (FLOOD_PREFIX, the thread, a counter) of one of
--                    100 showings.
-- done() prints one RESULT line with the counts and latency percentiles.

local mode = os.getenv("FLOOD_MODE") or "bad"
local pause = tonumber(os.getenv("FLOOD_DELAY_MS") or "10")
local token = os.getenv("FLOOD_TOKEN") or ""
local prefix = os.getenv("FLOOD_PREFIX") or "f"
local threads = {}
local tid = 0
local r = 0

function setup(thread)
	thread:set("tid", #threads)
	table.insert(threads, thread)
end

function init(args)
	tid = tonumber(wrk.thread:get("tid")) or 0
	math.randomseed(os.time() + tid)
end

function delay()
	return pause
end

function request()
	r = r + 1
	local id = string.format("%s%d-%d", prefix, tid, r)
	local auth = "Bearer " .. token
	if mode == "bad" then
		auth = string.format("Bearer %08x%08x", math.random(0, 0x7fffffff),
		    math.random(0, 0x7fffffff))
	end
	local body = string.format('{"event":{"id":"%s","action":"update",' ..
	    '"created_at":"2026-12-01T10:00:00Z","showing":{"uid":"fl-%d",' ..
	    '"name":"Flood Test","listing_uid":"lst-f"}}}', id, r % 100)
	return wrk.format("POST", nil, {
		["Content-Type"] = "application/json",
		["Authorization"] = auth,
	}, body)
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT requests=%d duration_us=%d " ..
	    "non2xx=%d sockerr=%d p50_us=%d p99_us=%d max_us=%d\n",
	    summary.requests, summary.duration, e.status, e.connect + e.read +
	    e.write + e.timeout, latency:percentile(50),
	    latency:percentile(99), latency.max))
end
