// Comparing to stored reference values (PyTorch, numpy) at 1e-12 relative to max(1, |value|).
#pragma once

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>
#include <vector>

#include <xtgrad/autograd/array.hpp>

namespace xtgrad::testing {

/// Returns the largest difference (for --log_level=message reports).
inline double check_close(const Array<double>& got, const std::vector<double>& expected,
                          const std::string& what) {
    BOOST_TEST_REQUIRE(got.size() == expected.size(), what);
    double worst = 0;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const double difference = std::abs(got.data()[i] - expected[i]);
        worst = std::max(worst, difference);
        BOOST_TEST(difference <= 1e-12 * std::max(1.0, std::abs(expected[i])),
                   what << "[" << i << "]: " << got.data()[i] << " vs reference " << expected[i]);
    }
    return worst;
}

}  // namespace xtgrad::testing
