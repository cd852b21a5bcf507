-- wrk script of bench/http/public, one case per KTPEL_MODE:
--   book    POST /api/public/appointments, each request a different NIK (file KTPEL_NIKS_FILE),
--           one of the next 28 days, a slot of its hour, rekam_baru (the bench's residents are
--           adults who never had a card: what they may book; a lost card would be refused)
--   status  POST /api/public/card-status with the receipts and birth dates of the file
--           KTPEL_RECEIPTS_FILE ("NO,YYYY-MM-DD" lines); with KTPEL_STATUS_MISS set, receipt
--           numbers that exist nowhere (each a different one: no attempt limit applies)
--   get     GET the path in KTPEL_PATH
local mode = os.getenv("KTPEL_MODE") or "get"
local function lines(env)
  local t = {}
  local f = io.open(os.getenv(env), "r")
  for line in f:lines() do t[#t + 1] = line end
  f:close()
  return t
end
local rows = mode == "book" and lines("KTPEL_NIKS_FILE") or mode == "status" and lines("KTPEL_RECEIPTS_FILE") or {}
local miss = os.getenv("KTPEL_STATUS_MISS") ~= nil
local t0 = os.time() + 7 * 3600
local i = 0
setup = function(thread) thread:set("offset", i); i = i + 1 end
-- Threads start far apart: in book mode each takes its own quarter of the NIKs (a NIK booked
-- twice for one service would be refused as already booked).
init = function()
  i = (offset or 0) * (mode == "book" and math.floor(#rows / 4) or 1000003)
end
local json = { ["Content-Type"] = "application/json" }
request = function()
  i = i + 1
  if mode == "book" then
    local day = os.date("!%Y-%m-%d", t0 + (2 + i % 27) * 86400)
    return wrk.format("POST", "/api/public/appointments", json,
      string.format('{"service":"rekam_baru","nik":"%s","day":"%s","start":"%02d:00"}',
        rows[i % #rows + 1], day, i % 24))
  elseif mode == "status" then
    local no, bd = rows[i % #rows + 1]:match("([^,]+),(.+)")
    if miss then no = string.format("NGS-20200101-%07d", i) end
    return wrk.format("POST", "/api/public/card-status", json,
      string.format('{"receipt_no":"%s","birth_date":"%s"}', no, bd))
  end
  return wrk.format("GET", os.getenv("KTPEL_PATH"))
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
