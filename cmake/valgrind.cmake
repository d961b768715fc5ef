# Optional memcheck runs (label valgrind): -DTGDP_VALGRIND=ON registers valgrind_<test>, a twin
# of every unit test (tests/test_*.c, not the e2e runs) and of every fuzz corpus replay, run under
#   valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect
# with the suppressions of tests/valgrind.supp. Run them with `ctest --test-dir B -L valgrind`.
# Use an unsanitized build (ASan and valgrind exclude each other); RelWithDebInfo gives line
# numbers at full speed. Included from the top-level CMakeLists.txt after the unit tests.
option(TGDP_VALGRIND "Register valgrind_<test> twins of the unit tests and fuzz replays (label valgrind)" OFF)
set(TGDP_VALGRIND_COMMAND "")
if(TGDP_VALGRIND AND TGDP_BUILD_TESTS)
  if(TGDP_SANITIZE)
    message(FATAL_ERROR "TGDP_VALGRIND=ON needs a build without TGDP_SANITIZE (ASan and valgrind exclude each other)")
  endif()
  if(TGDP_NATIVE)
    # valgrind 3.19 does not decode AVX-512, which -march=native emits on such machines
    message(FATAL_ERROR "TGDP_VALGRIND=ON needs portable code: add -DTGDP_NATIVE=OFF")
  endif()
  find_program(VALGRIND_EXECUTABLE valgrind)
  if(NOT VALGRIND_EXECUTABLE)
    message(FATAL_ERROR "TGDP_VALGRIND=ON: valgrind not found (apt-get install valgrind)")
  endif()
  set(TGDP_VALGRIND_COMMAND ${VALGRIND_EXECUTABLE} --tool=memcheck --error-exitcode=1 --leak-check=full
      --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --num-callers=40
      --suppressions=${CMAKE_SOURCE_DIR}/tests/valgrind.supp)
  foreach(src ${TGDP_TEST_SOURCES})
    get_filename_component(name ${src} NAME_WE)
    if(name IN_LIST TGDP_E2E_TESTS)
      continue()
    endif()
    add_test(NAME valgrind_${name} COMMAND ${TGDP_VALGRIND_COMMAND} $<TARGET_FILE:${name}>)
    # memcheck runs a program 20-50 times slower and one thread at a time: OpenMP threads that
    # spin while they wait only steal the running thread's time, so they sleep instead; the
    # OpenBLAS backend, since oneDNN generates its kernels at run time for the CPU it finds
    set_tests_properties(valgrind_${name} PROPERTIES LABELS valgrind TIMEOUT 3600
                         ENVIRONMENT "OMP_NUM_THREADS=2;OMP_WAIT_POLICY=passive;TGDP_GEMM=openblas")
  endforeach()
endif()
