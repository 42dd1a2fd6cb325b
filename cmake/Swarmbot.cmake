# Shared build settings: one warnings target, one helper per kind of target.

add_library(swarmbot_warnings INTERFACE)
target_compile_options(swarmbot_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow)
if(SWARMBOT_WERROR)
  target_compile_options(swarmbot_warnings INTERFACE -Werror)
endif()

# Boost, OpenSSL and threads with the same definitions everywhere, so that
# Asio's types mean the same in every library that shares them.
add_library(swarmbot_boost INTERFACE)
target_link_libraries(swarmbot_boost INTERFACE Boost::headers Boost::json Boost::url
                      OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
target_compile_definitions(swarmbot_boost INTERFACE BOOST_ASIO_NO_DEPRECATED)

# swarmbot_library(<folder> DEPS <targets>...): the folder's .cpp files (and its
# detail/ ones) become the static library swarmbot_<folder>, namespace swarmbot::<folder>.
function(swarmbot_library folder)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp
       ${CMAKE_CURRENT_SOURCE_DIR}/detail/*.cpp)
  list(FILTER sources EXCLUDE REGEX ".*/main\\.cpp$")
  if(NOT sources)
    # A folder whose parts are all headers so far.
    add_library(swarmbot_${folder} INTERFACE)
    target_include_directories(swarmbot_${folder} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(swarmbot_${folder} INTERFACE ${ARG_DEPS})
    return()
  endif()
  add_library(swarmbot_${folder} STATIC ${sources})
  target_include_directories(swarmbot_${folder} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(swarmbot_${folder} PUBLIC ${ARG_DEPS} PRIVATE swarmbot_warnings)
endfunction()

# swarmbot_test(<folder> DEPS <targets>...): tests/<folder>/*_test.cpp become one
# GoogleTest executable, registered with CTest test by test.
function(swarmbot_test folder)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${folder}/*.cpp)
  if(NOT sources)
    return()
  endif()
  add_executable(${folder}_tests ${sources})
  target_link_libraries(${folder}_tests PRIVATE ${ARG_DEPS} swarmbot_testing GTest::gtest_main
                        GTest::gmock swarmbot_warnings)
  gtest_discover_tests(${folder}_tests DISCOVERY_TIMEOUT 60
                       PROPERTIES ENVIRONMENT "SWARMBOT_SHARED_DIR=${SWARMBOT_SHARED_DIR}")
endfunction()
