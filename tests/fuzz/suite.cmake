# libFuzzer targets, built by clang from the parser sources alone (the `fuzz` preset): one
# binary, spark_fuzz, holding every target of fuzz_main.cc's table, and a symlink fuzz_TARGET
# per directory of tests/fuzz/corpus/ (the name picks the target). In the main (GCC) build
# one ctest builds the fuzz preset and runs every target for a few seconds on its seeds and
# regressions, so `make test` fuzzes on every run; `make fuzz` runs them longer.
file(GLOB SPARK_FUZZ_CORPUS_DIRS LIST_DIRECTORIES true CONFIGURE_DEPENDS
     ${CMAKE_CURRENT_LIST_DIR}/corpus/*)
set(SPARK_FUZZ_TARGETS)
foreach(dir IN LISTS SPARK_FUZZ_CORPUS_DIRS)
  if(IS_DIRECTORY ${dir})
    get_filename_component(name ${dir} NAME)
    list(APPEND SPARK_FUZZ_TARGETS ${name})
  endif()
endforeach()

if(SPARK_FUZZ)
  # The parsers of outside input and what their properties need, nothing else: no server, no
  # SSH, no curl.
  add_library(spark_fuzz_parsers STATIC
    ${PROJECT_SOURCE_DIR}/exporter/src/connectivity_event.cc
    ${PROJECT_SOURCE_DIR}/exporter/src/diarization.cc
    ${PROJECT_SOURCE_DIR}/exporter/src/diarization_request.cc
    ${PROJECT_SOURCE_DIR}/exporter/src/error_code.cc
    ${PROJECT_SOURCE_DIR}/exporter/src/event_file.cc
    ${PROJECT_SOURCE_DIR}/exporter/src/json_number.cc
    ${PROJECT_SOURCE_DIR}/exporter/src/time_format.cc
    ${PROJECT_SOURCE_DIR}/controller/catalog/src/catalog_model.cc
    ${PROJECT_SOURCE_DIR}/controller/config/src/cluster_keys.cc
    ${PROJECT_SOURCE_DIR}/controller/config/src/config.cc
    ${PROJECT_SOURCE_DIR}/controller/config/src/config_reader.cc
    ${PROJECT_SOURCE_DIR}/controller/config/src/config_rules.cc
    ${PROJECT_SOURCE_DIR}/controller/config/src/config_schema.cc
    ${PROJECT_SOURCE_DIR}/controller/config/src/config_yaml.cc
    ${PROJECT_SOURCE_DIR}/controller/config/src/url_credentials.cc
    ${PROJECT_SOURCE_DIR}/controller/config/src/remote_names.cc
    ${PROJECT_SOURCE_DIR}/controller/jobs/src/job.cc
    ${PROJECT_SOURCE_DIR}/controller/remote/src/cache_listing.cc
    ${PROJECT_SOURCE_DIR}/controller/remote/src/container_report.cc
    ${PROJECT_SOURCE_DIR}/controller/remote/src/detached_poll.cc
    ${PROJECT_SOURCE_DIR}/controller/remote/src/hub_reply.cc
    ${PROJECT_SOURCE_DIR}/controller/remote/src/remote_executor.cc
    ${PROJECT_SOURCE_DIR}/controller/remote/src/remote_words.cc
    ${PROJECT_SOURCE_DIR}/controller/remote/src/shell_quote.cc
    ${PROJECT_SOURCE_DIR}/controller/remote/src/telemetry_report.cc
    ${PROJECT_SOURCE_DIR}/controller/remote/src/update_report.cc
    ${PROJECT_SOURCE_DIR}/controller/remote/src/vllm_args.cc
    ${PROJECT_SOURCE_DIR}/controller/remote/src/vllm_log.cc
    ${PROJECT_SOURCE_DIR}/web/src/json_api.cc
    ${PROJECT_SOURCE_DIR}/web/src/request_bodies.cc)
  target_include_directories(spark_fuzz_parsers PUBLIC ${PROJECT_SOURCE_DIR}/exporter/include
                             ${PROJECT_SOURCE_DIR}/controller/config/include
                             ${PROJECT_SOURCE_DIR}/controller/remote/include
                             ${PROJECT_SOURCE_DIR}/controller/catalog/include
                             ${PROJECT_SOURCE_DIR}/controller/jobs/include
                             ${PROJECT_SOURCE_DIR}/web/include)
  target_link_libraries(spark_fuzz_parsers PUBLIC nlohmann_json::nlohmann_json yaml-cpp
                                           PRIVATE spark_warnings)
  # -O1 and line tables only: the fuzz build is part of `make test`'s time.
  target_compile_options(spark_fuzz_parsers PUBLIC -O1 -gline-tables-only
                         -fsanitize=fuzzer-no-link,address,undefined
                         -fno-sanitize-recover=undefined)

  add_executable(spark_fuzz
    ${CMAKE_CURRENT_LIST_DIR}/fuzz_main.cc
    ${CMAKE_CURRENT_LIST_DIR}/cache_scan_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/catalog_yaml_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/config_patch_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/config_yaml_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/container_report_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/detached_poll_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/diarization_request_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/events_line_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/health_event_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/hub_reply_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/jobs_line_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/known_hosts_body_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/model_body_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/overrides_body_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/shell_words_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/swap_body_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/telemetry_report_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/update_report_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/vllm_log_fuzz.cc)
  # The target files are compiled in two batches: each instantiates nlohmann's parser and
  # serializer once instead of once per file.
  set_target_properties(spark_fuzz PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 9)
  target_link_libraries(spark_fuzz PRIVATE spark_fuzz_parsers spark_warnings Threads::Threads)
  target_link_options(spark_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
  foreach(target IN LISTS SPARK_FUZZ_TARGETS)
    add_custom_command(TARGET spark_fuzz POST_BUILD
                       COMMAND ${CMAKE_COMMAND} -E create_symlink spark_fuzz fuzz_${target}
                       WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR} VERBATIM)
  endforeach()
else()
  add_test(NAME fuzz COMMAND ${CMAKE_CURRENT_LIST_DIR}/run 3)
  # The clang build and the fuzzers (two at a time) take two of ctest's slots; a high cost
  # starts it first, so it overlaps the integration tests (which mostly wait on their peers)
  # instead of running alone at the end.
  set_tests_properties(fuzz PROPERTIES LABELS fuzz TIMEOUT 900 PROCESSORS 2 COST 10000)
endif()
