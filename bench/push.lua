-- wrk: a Prometheus pushgateway push of one small metric family.
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/plain; version=0.0.4"
wrk.body = "# TYPE bench_report gauge\nbench_report{service=\"vllm\",source=\"bench\"} 12.5\n"
