# The lifecycle layer: the one decision (io::decide) against the table of docs/lifecycle.md. Pure, one rank.
file(GLOB _lifecycle_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/lifecycle/test_lifecycle*.cpp)
fasim_add_mpi_test(test_lifecycle RANKS 1 SOURCES ${_lifecycle_tests})
# Fallback for running the binary outside ctest (which sets FASIM_SOURCE_DIR).
target_compile_definitions(test_lifecycle PRIVATE FASIM_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
