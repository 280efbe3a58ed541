# Configuration parsing (the config layer): pure parsing, so one rank is enough.
file(GLOB _config_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/config/test_config*.cpp)
fasim_add_mpi_test(test_config RANKS 1 SOURCES ${_config_tests})
