# Run by ctest before the tests (TEST_INCLUDE_FILES): asks the Boost.Test runner for its
# top-level suites and adds one test per suite, so a suite runs as soon as it exists.
# Expects XTGRAD_TEST_EXE and XTGRAD_SERIAL_SUITES (suites that share the MNIST files and
# the machine: run alone, labelled mnist). Runs in ctest's scripting mode: keep to CMake 2.x
# commands (no IN_LIST).
if(NOT EXISTS "${XTGRAD_TEST_EXE}")
    add_test(xtgrad_tests_missing "${XTGRAD_TEST_EXE}")
    return()
endif()
execute_process(COMMAND "${XTGRAD_TEST_EXE}" --list_content
                OUTPUT_VARIABLE listing ERROR_VARIABLE listing RESULT_VARIABLE status)
if(NOT status EQUAL 0)
    add_test(xtgrad_tests_list_content "${XTGRAD_TEST_EXE}" --list_content)
    return()
endif()
string(REPLACE "\n" ";" lines "${listing}")
foreach(line IN LISTS lines)
    # A top-level suite starts at column 0: "name*" (the * marks it enabled).
    if(line MATCHES "^([A-Za-z0-9_]+)\\*?$")
        set(suite "${CMAKE_MATCH_1}")
        add_test(${suite} "${XTGRAD_TEST_EXE}" --run_test=${suite} --report_level=short)
        list(FIND XTGRAD_SERIAL_SUITES "${suite}" serial)
        if(serial GREATER -1)
            set_tests_properties(${suite} PROPERTIES LABELS mnist RUN_SERIAL ON)
        endif()
    endif()
endforeach()
