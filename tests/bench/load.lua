-- SPDX-License-Identifier: MIT
-- wrk load for tests/bench/run: POSTs of ~1 KB deliveries made from
-- delivery.json (BENCH_TEMPLATE), each with a new event id, in this mix
-- (the bare responder and the pgbench script follow the same rule):
--   * request r carries event e = r, except that one request in twenty
--     after the first 1999 repeats the event of request r - 1999: a
--     duplicate (ShowMojo retrying), never one still in flight;
--   * event e belongs to showing e % 1000 + 1000 * (e // 4000): a showing
--     gets four events, 1000 requests apart and in id order, so three in
--     four new events update an existing showing and no two requests wait
--     for each other's row lock.
-- Ids are all digits: BENCH_PREFIX, the wrk thread, then e.  The id and
-- showing uid also travel as X-Bench-Id and X-Bench-Uid for the bare
-- responder.  With BENCH_MAX set, each thread stops after that many
-- responses (for the instruction counts).  done() prints one RESULT line.

local prefix = os.getenv("BENCH_PREFIX") or "1"
local token = os.getenv("BENCH_TOKEN") or "bench"
local max = tonumber(os.getenv("BENCH_MAX") or "0")
local head, mid, tail
local tid = 0
local r = 0
local threads = {}

function setup(thread)
	thread:set("tid", #threads)
	table.insert(threads, thread)
end

function init(args)
	local f = assert(io.open(os.getenv("BENCH_TEMPLATE"), "r"))
	local t = f:read("*l")
	f:close()
	local i = assert(t:find("@ID@", 1, true))
	local j = assert(t:find("@UID@", 1, true))
	head, mid, tail = t:sub(1, i - 1), t:sub(i + 4, j - 1), t:sub(j + 5)
	tid = tonumber(wrk.thread:get("tid")) or 0
end

function request()
	local e = r
	if r % 20 == 19 and r >= 1999 then
		e = r - 1999
	end
	r = r + 1
	local id = string.format("%s%d%010d", prefix, tid, e)
	local uid = string.format("sh-%s%d-%d", prefix, tid,
	    e % 1000 + 1000 * math.floor(e / 4000))
	return wrk.format("POST", nil, {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. token,
		["User-Agent"] = "ShowMojo-Webhook/1.0",
		["X-Bench-Id"] = id,
		["X-Bench-Uid"] = uid,
	}, head .. id .. mid .. uid .. tail)
end

if max > 0 then
	local got = 0
	function response(status, headers, body)
		got = got + 1
		if got >= max then
			wrk.thread:stop()
		end
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT requests=%d duration_us=%d " ..
	    "non2xx=%d sockerr=%d p50_us=%d p99_us=%d\n", summary.requests,
	    summary.duration, e.status, e.connect + e.read + e.write +
	    e.timeout, latency:percentile(50), latency:percentile(99)))
end
