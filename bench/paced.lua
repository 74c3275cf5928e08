-- wrk script: each connection waits PACE_MS milliseconds after every answer before its next request,
-- so 64 connections offer about 64 / (PACE_MS + latency) requests per ms, below what the target can
-- take. wrk times each request from its write, so the pause is not counted in the latency.
local pause = tonumber(os.getenv("PACE_MS") or "0")
delay = function()
  return pause
end
