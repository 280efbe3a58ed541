file(GLOB _model_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/model/*.cpp ${CMAKE_CURRENT_SOURCE_DIR}/linalg/*.cpp)
fasim_add_mpi_test(test_model RANKS 1 2 4 SOURCES ${_model_tests})
