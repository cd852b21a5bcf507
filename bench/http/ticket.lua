-- wrk script: POST /api/tickets (the registered kiosk: its secret from env KTPEL_KIOSK), a
-- durable write: each 201 is a ticket committed to SQLite before the answer.
local services = { "rekam_baru", "perubahan_data", "hilang_rusak", "pindah_datang", "pengambilan" }
local i = 0
local kiosk = os.getenv("KTPEL_KIOSK") or ""
request = function()
  i = i % #services + 1
  local h = { ["Content-Type"] = "application/json" }
  if kiosk ~= "" then h["X-Ktpel-Kiosk"] = kiosk end
  return wrk.format("POST", "/api/tickets", h,
    '{"service":"' .. services[i] .. '"}')
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
    + summary.errors.status, summary.errors.status))
end
