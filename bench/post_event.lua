-- wrk: POST /api/health-event with a valid report.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"service":"vllm","ok":true,"source":"bench","ms":12.5}'
