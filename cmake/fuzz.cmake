# libFuzzer build (option TGDP_FUZZ, clang only). Included from the top-level CMakeLists.txt
# before the library targets, so that the library itself is built with coverage
# instrumentation (-fsanitize=fuzzer-no-link) and libFuzzer can steer into the parsers. The fuzz
# targets and their corpus replay tests are in fuzz/CMakeLists.txt; combine with
# -DTGDP_SANITIZE=ON for ASan + UBSan:
#   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
#         -DTGDP_FUZZ=ON -DTGDP_SANITIZE=ON
option(TGDP_FUZZ "Build the libFuzzer targets in fuzz/ (needs clang)" OFF)
if(TGDP_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "TGDP_FUZZ=ON needs clang (libFuzzer): configure a new build folder with "
                        "-DCMAKE_C_COMPILER=clang")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
