-- wrk script: POST /api/public/appointments, each request a different NIK (from the file in
-- KTPEL_NIKS_FILE) on one of the next 28 days, a slot of its hour, one of the four services.
local niks = {}
local f = io.open(os.getenv("KTPEL_NIKS_FILE"), "r")
for line in f:lines() do niks[#niks + 1] = line end
f:close()
local services = { "rekam_baru", "perubahan_data", "hilang_rusak", "pindah_datang" }
local i = 0
local t = os.time() + 7 * 3600
setup = function(thread) thread:set("offset", i); i = i + 1 end
init = function() i = offset * 100003 end
request = function()
  i = i + 1
  local nik = niks[i % #niks + 1]
  local day = os.date("!%Y-%m-%d", t + (2 + i % 27) * 86400)
  local body = string.format('{"service":"%s","nik":"%s","day":"%s","start":"%02d:00"}',
    services[math.floor(i / #niks) % 4 + 1], nik, day, i % 24)
  return wrk.format("POST", "/api/public/appointments", { ["Content-Type"] = "application/json" }, body)
end
local created, other = 0, 0
response = function(status) if status == 201 then created = created + 1 else other = other + 1 end end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
