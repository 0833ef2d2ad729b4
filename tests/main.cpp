// The single Boost.Test runner for every test file in this directory tree.
#define BOOST_TEST_MODULE xtgrad
#include <boost/test/unit_test.hpp>
