file(GLOB _model_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/model/*.cpp ${CMAKE_CURRENT_SOURCE_DIR}/linalg/*.cpp)
# 24 s on 4 ranks on an idle 2-core machine, 281 s at load 12 (four ranks oversubscribed among other builds): the
# bound is for hangs, not for speed.
fasim_add_mpi_test(test_model RANKS 1 2 4 SOURCES ${_model_tests} TIMEOUT 900)
