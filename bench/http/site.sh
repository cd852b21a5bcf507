# site.sh - what the HTTP benchmarks share (sourced by bench/http/run and bench/http/flood):
#   bench_site BIN DIR      DIR/ktpel.db with 100 adults of Kecamatan Neglasari born 1980-1999
#                           (NIK = 367110 + DDMMYY + serial; $niks lists them), an intake
#                           account "bench" (password rahasia-bench, loket 1) and a registered
#                           kiosk ($kiosk is its secret)
#   bench_serve BIN DB PORT [serve flags...]   start `ktpel serve` on 127.0.0.1:PORT in the
#                           background ($pid), wait until it answers
#   bench_login PORT        the session cookie of "bench" ($cookie)
bench_site() {
  local bin="$1" dir="$2"
  db="$dir/ktpel.db"
  {
    echo "nik,kk_number,name,birth_place,birth_date,sex,blood_type,agama,marital_status,pekerjaan,pendidikan,nationality,itap_until,address,rt,rw,kelurahan_code,kecamatan_code,hubungan,ktp_status,card_valid"
    for i in $(seq 1 100); do
      d=$(( (i % 28) + 1 )); m=$(( (i % 12) + 1 )); y=$(( 80 + (i % 20) ))
      nik=$(printf "367110%02d%02d%02d%04d" "$d" "$m" "$y" "$i")
      printf "%s,36711001010%05d,PENDUDUK %d,TANGERANG,19%02d-%02d-%02d,L,,1,2,,,WNI,,JL. CONTOH NO. %d,001,002,3671101001,367110,,UNREGISTERED,0\n" \
        "$nik" "$i" "$i" "$y" "$m" "$d" "$i"
    done
  } > "$dir/siak.csv"
  niks=$(tail -n +2 "$dir/siak.csv" | cut -d, -f1 | paste -sd, -)
  "$bin" init --db "$db" >/dev/null
  "$bin" import-siak "$dir/siak.csv" --db "$db" >/dev/null
  echo "rahasia-bench" | "$bin" user add bench --role intake --full-name Bench --loket 1 --db "$db" >/dev/null
  # a binary from before registered kiosks has no `kiosk` command: no secret then
  kiosk=$("$bin" kiosk add "Kios bench" --db "$db" 2>/dev/null | sed -n 's/.*"token": "\([0-9a-f]*\)".*/\1/p' || true)
}

bench_serve() {
  local bin="$1" db="$2" port="$3"
  shift 3
  LD_PRELOAD="${preload:-}" FSYNC_US="${FSYNC_US:-0}" \
    "$bin" serve --listen "127.0.0.1:$port" --db "$db" --quiet "$@" 2>>"$(dirname "$db")/serve.log" &
  pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/api/queue/board" >/dev/null && return 0; sleep 0.1; done
  echo "ktpel serve did not start: $(tail -3 "$(dirname "$db")/serve.log")" >&2
  return 1
}

bench_login() {
  cookie=$(curl -fs -D - -o /dev/null -H 'Content-Type: application/json' \
    -d '{"username":"bench","password":"rahasia-bench","loket":1}' \
    "http://127.0.0.1:$1/api/login" | sed -n 's/^Set-Cookie: \([^;]*\).*/\1/Ip' | tr -d '\r')
}
