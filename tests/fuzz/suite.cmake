# libFuzzer targets, built by clang from the parser sources alone (the `fuzz` preset). In the
# main (GCC) build each target is one ctest that builds the fuzz preset and runs the fuzzer for
# 20 s on its seed corpus, so `make test` fuzzes on every run; `make fuzz` runs them longer.
set(SPARK_FUZZ_TARGETS diarization_request)
set(SPARK_FUZZ_SOURCES_diarization_request
  ${PROJECT_SOURCE_DIR}/exporter/src/diarization.cc
  ${PROJECT_SOURCE_DIR}/exporter/src/diarization_request.cc)

foreach(target IN LISTS SPARK_FUZZ_TARGETS)
  if(SPARK_FUZZ)
    add_executable(fuzz_${target} ${CMAKE_CURRENT_LIST_DIR}/${target}_fuzz.cc
                                  ${SPARK_FUZZ_SOURCES_${target}})
    target_include_directories(fuzz_${target} PRIVATE ${PROJECT_SOURCE_DIR}/exporter/include)
    target_link_libraries(fuzz_${target} PRIVATE nlohmann_json::nlohmann_json spark_warnings)
    target_compile_options(fuzz_${target} PRIVATE -fsanitize=fuzzer,address,undefined
                                                  -fno-sanitize-recover=undefined)
    target_link_options(fuzz_${target} PRIVATE -fsanitize=fuzzer,address,undefined)
  else()
    add_test(NAME fuzz_${target} COMMAND ${CMAKE_CURRENT_LIST_DIR}/run 20 ${target})
    # Alone: the clang build and the fuzzer take both cores.
    set_tests_properties(fuzz_${target} PROPERTIES LABELS fuzz TIMEOUT 900 RUN_SERIAL TRUE)
  endif()
endforeach()
