// Every built-in op (op_info.hpp) against its forward reference and against finite differences,
// over every case in op_cases.cpp: float64 with tight tolerances, float32 as a smoke test. Each
// case also runs into pre-filled gradients and with a leaf used twice (check_accumulation).
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include <xtgrad/autograd/custom_op.hpp>
#include <xtgrad/autograd/op_info.hpp>
#include <xtgrad/autograd/ops.hpp>
#include <xtgrad/autograd/tape.hpp>

#include "../support/random_arrays.hpp"
#include "op_cases.hpp"

namespace bdata = boost::unit_test::data;
using namespace xtgrad;
using xtgrad::testing::op_cases;

namespace {

std::vector<std::string> builtin_op_names() {
    std::vector<std::string> names;
    for (const OpInfo* op : builtin_ops()) names.emplace_back(op->name);
    return names;
}

const OpInfo& find_op(const std::string& name) {
    for (const OpInfo* op : builtin_ops())
        if (op->name == name) return *op;
    throw std::logic_error("no op " + name);
}

template <class T>
double max_relative_difference(const Array<T>& a, const Array<T>& b) {
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double x = a.data()[i];
        const double y = b.data()[i];
        worst = std::max(worst, std::abs(x - y) / std::max(1.0, std::abs(y)));
    }
    return worst;
}

template <class T>
std::vector<Tensor<T>> case_leaves(const xtgrad::testing::OpCase<T>& c) {
    std::vector<Tensor<T>> leaves;
    for (std::size_t k = 0; k < c.inputs.size(); ++k)
        leaves.emplace_back(Array<T>(c.inputs[k]), c.differentiable.empty() || c.differentiable[k]);
    return leaves;
}

/// Checks got == base + factor * gradient (base null: zero) elementwise, within a few roundings
/// (gemm adds the old value inside its kernel), and reports the worst element.
template <class T>
void check_added(const std::string& what, std::size_t input, const Array<T>& got,
                 const Array<T>* base, double factor, const Array<T>& gradient) {
    const double tight = 64 * static_cast<double>(std::numeric_limits<T>::epsilon());
    double scale = 0;
    for (const T g : gradient) scale = std::max(scale, std::abs(static_cast<double>(g)));
    double worst = 0;
    std::size_t at = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double b = base ? static_cast<double>(base->data()[i]) : 0.0;
        const double g = factor * static_cast<double>(gradient.data()[i]);
        const double error = std::abs(static_cast<double>(got.data()[i]) - (b + g)) /
                             (tight * (std::abs(b) + std::abs(g) + factor * scale + 1));
        if (!(error <= worst)) {
            worst = error;
            at = i;
        }
    }
    BOOST_TEST(worst <= 1.0, what << ": input " << input << " element " << at << " got "
                                  << got.data()[at] << " instead of "
                                  << (base ? base->data()[at] : T(0)) << " + " << factor << " * "
                                  << gradient.data()[at]);
}

/// Backward must add to a gradient that already holds something: a leaf pre-filled with random
/// values gets pre-fill + gradient, and a leaf used twice (f(x) + f(x)) twice the gradient.
/// Fresh leaves alone cannot tell an op that overwrites its slot (gemm with beta 0) from one
/// that adds to it.
template <class T>
void check_accumulation(const xtgrad::testing::OpCase<T>& c) {
    xtgrad::testing::TestRandom rng(4242);
    const auto fresh = case_leaves(c);
    const Tensor<T> out = c.apply(fresh);
    const Array<T> seed = rng.uniform_array<T>(out.shape(), -1, 1);
    out.backward(seed);

    auto prefilled = case_leaves(c);
    std::vector<Array<T>> prefill(c.inputs.size());
    for (std::size_t k = 0; k < prefilled.size(); ++k) {
        if (!prefilled[k].requires_grad()) continue;
        prefill[k] = rng.uniform_array<T>(c.inputs[k].shape(), -1, 1);
        prefilled[k].mutable_grad() = prefill[k];
    }
    c.apply(prefilled).backward(seed);

    const auto shared = case_leaves(c);
    (c.apply(shared) + c.apply(shared)).backward(seed);

    for (std::size_t k = 0; k < fresh.size(); ++k) {
        if (!fresh[k].requires_grad()) continue;
        check_added("pre-filled gradient", k, prefilled[k].grad(), &prefill[k], 1.0,
                    fresh[k].grad());
        check_added("leaf used twice", k, shared[k].grad(), static_cast<const Array<T>*>(nullptr),
                    2.0, fresh[k].grad());
    }
}

template <class T>
void check_op(const std::string& name, const GradcheckOptions& options, double value_tolerance) {
    const auto cases = op_cases<T>();
    const auto found = cases.find(name);
    BOOST_TEST_REQUIRE(
        (found != cases.end() && !found->second.empty()),
        "op '" << name << "' has no test case: add one to tests/autograd/op_cases.cpp");
    const OpInfo& op = find_op(name);
    for (const auto& c : found->second) {
        BOOST_TEST_CONTEXT(c.label) {
            // Forward value against the independent reference, with inputs requiring grad.
            std::vector<Tensor<T>> leaves;
            for (const auto& input : c.inputs) leaves.emplace_back(Array<T>(input), true);
            const Tensor<T> out = c.apply(leaves);
            const Array<T> expected = c.reference(c.inputs);
            BOOST_TEST_REQUIRE(
                (out.shape() == expected.shape()),
                "shape " << to_string(out.shape()) << " != " << to_string(expected.shape()));
            BOOST_TEST(max_relative_difference(out.value(), expected) <= value_tolerance);
            for (const auto& v : out.value())
                BOOST_TEST_REQUIRE(std::isfinite(static_cast<double>(v)));

            if (!op.differentiable) {
                BOOST_TEST(!out.requires_grad(), "a non-differentiable op recorded itself");
                continue;
            }
            BOOST_TEST(out.op_name() == name, "the case runs op " << out.op_name());
            GradcheckOptions o = options;
            o.differentiable = c.differentiable;
            const GradcheckResult result = gradcheck<T>(c.apply, c.inputs, o);
            BOOST_TEST(result.ok, result.message);
            check_accumulation(c);
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ops_gradcheck)

BOOST_DATA_TEST_CASE(float64_every_builtin_op, bdata::make(builtin_op_names()), name) {
    GradcheckOptions options;
    options.eps = 1e-6;
    options.rtol = 1e-6;
    options.atol = 1e-8;
    check_op<double>(name, options, 1e-12);
}

BOOST_DATA_TEST_CASE(float32_smoke_every_builtin_op, bdata::make(builtin_op_names()), name) {
    check_op<float>(name, GradcheckOptions::for_float(), 1e-5);
}

BOOST_AUTO_TEST_CASE(every_case_names_a_builtin_op) {
    const auto names = builtin_op_names();
    for (const auto& [name, cases] : op_cases<double>())
        BOOST_TEST((std::find(names.begin(), names.end(), name) != names.end()),
                   "op_cases has cases for unknown op '" << name << "'");
}

BOOST_AUTO_TEST_CASE(the_op_list_is_not_empty_and_unique) {
    const auto names = builtin_op_names();
    BOOST_TEST(names.size() >= 30u);
    auto sorted = names;
    std::sort(sorted.begin(), sorted.end());
    BOOST_TEST((std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()));
}

BOOST_AUTO_TEST_CASE(gradcheck_catches_a_wrong_backward) {
    static constexpr OpInfo kWrongSquare{"wrong_square"};
    const TensorFunction<double> wrong = [](const std::vector<Tensor<double>>& in) {
        const Tensor<double>& x = in[0];
        Array<double> y = x.value() * x.value();
        return record_op(kWrongSquare, std::move(y), {x}, [x](BackwardContext<double>& ctx) {
            // Should be 2 x g: off by a factor of two.
            ctx.accumulate(0, Array<double>(x.value() * ctx.grad_output()));
        });
    };
    const auto result = gradcheck(wrong, {Array<double>{0.5, -1.0, 2.0}});
    BOOST_TEST(!result.ok);
    BOOST_TEST(result.message.find("FAILED") != std::string::npos);
    BOOST_TEST(result.message.find("input 0") != std::string::npos);
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// square(x) as a custom op whose forward value and backward gradient can be corrupted: the
/// element at bad_index (every element if it is npos) is replaced by bad.
struct BrokenSquare {
    double bad_value = 0;     // written into the output when corrupt_value
    double bad_gradient = 0;  // written into the gradient when corrupt_gradient
    bool corrupt_value = false;
    bool corrupt_gradient = false;
    std::size_t bad_index = std::string::npos;

    static void corrupt(Array<double>& a, double bad, std::size_t index) {
        for (std::size_t i = 0; i < a.size(); ++i)
            if (index == std::string::npos || i == index) a.data()[i] = bad;
    }

    TensorFunction<double> function() const {
        static constexpr OpInfo kBrokenSquare{"broken_square"};
        return [*this](const std::vector<Tensor<double>>& in) {
            const Tensor<double>& x = in[0];
            Array<double> y = x.value() * x.value();
            if (corrupt_value) corrupt(y, bad_value, bad_index);
            return record_op(kBrokenSquare, std::move(y), {x},
                             [x, self = *this](BackwardContext<double>& ctx) {
                                 Array<double> g = 2.0 * x.value() * ctx.grad_output();
                                 if (self.corrupt_gradient)
                                     corrupt(g, self.bad_gradient, self.bad_index);
                                 ctx.accumulate(0, std::move(g));
                             });
        };
    }
};

const TensorFunction<double> kSquare = [](const std::vector<Tensor<double>>& in) {
    return square(in[0]);
};

bool contains(const std::string& text, const std::string& fragment) {
    return text.find(fragment) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(gradcheck_fails_on_an_infinite_gradient) {
    // Inf / Inf used to be a NaN error ratio that was silently dropped: all-Inf passed.
    const auto result =
        gradcheck(BrokenSquare{.bad_gradient = kInf, .corrupt_gradient = true}.function(),
                  {Array<double>{0.5, -1.0, 2.0}});
    BOOST_TEST(!result.ok);
    BOOST_TEST(contains(result.message, "non-finite"), result.message);
    BOOST_TEST(contains(result.message, "inf"), result.message);
}

BOOST_AUTO_TEST_CASE(gradcheck_fails_on_a_nan_gradient_and_names_the_element) {
    const auto result = gradcheck(
        BrokenSquare{.bad_gradient = kNaN, .corrupt_gradient = true, .bad_index = 1}.function(),
        {Array<double>{0.5, -1.0, 2.0}});
    BOOST_TEST(!result.ok);
    BOOST_TEST(result.index == 1u);
    BOOST_TEST(contains(result.message, "non-finite"), result.message);
    BOOST_TEST(contains(result.message, "element 1"), result.message);
}

BOOST_AUTO_TEST_CASE(gradcheck_fails_on_a_non_finite_output) {
    for (const double bad : {kInf, kNaN}) {
        const auto result = gradcheck(
            BrokenSquare{.bad_value = bad, .corrupt_value = true, .bad_index = 2}.function(),
            {Array<double>{0.5, -1.0, 2.0}});
        BOOST_TEST(!result.ok);
        BOOST_TEST(contains(result.message, "the output has a non-finite value"), result.message);
        BOOST_TEST(contains(result.message, "index 2"), result.message);
    }
}

BOOST_AUTO_TEST_CASE(check_backward_fails_on_an_infinite_output_against_a_finite_reference) {
    // The value error used to be Inf / Inf = NaN, reported as 0.
    const auto result = check_backward<double>(
        BrokenSquare{.bad_value = kInf, .corrupt_value = true, .bad_index = 0}.function(), kSquare,
        {Array<double>{0.5, -1.0, 2.0}});
    BOOST_TEST(!result.ok);
    BOOST_TEST(result.value_error > 1);
    BOOST_TEST(contains(result.message, "outputs differ at element 0"), result.message);
    BOOST_TEST(contains(result.message, "non-finite"), result.message);
}

BOOST_AUTO_TEST_CASE(check_backward_fails_on_an_infinite_gradient_against_a_finite_reference) {
    const auto result = check_backward<double>(
        BrokenSquare{.bad_gradient = kInf, .corrupt_gradient = true}.function(), kSquare,
        {Array<double>{0.5, -1.0, 2.0}});
    BOOST_TEST(!result.ok);
    BOOST_TEST(result.gradient_error > 1);
    BOOST_TEST(contains(result.message, "gradients differ"), result.message);
}

BOOST_AUTO_TEST_CASE(a_check_over_nothing_fails) {
    const auto constant = [](const std::vector<Tensor<double>>&) { return scalar(1.0); };
    const auto no_inputs = gradcheck<double>(constant, {});
    BOOST_TEST(!no_inputs.ok);
    BOOST_TEST(contains(no_inputs.message, "no inputs"), no_inputs.message);

    const auto total = [](const std::vector<Tensor<double>>& in) { return sum(in[0]); };
    const auto no_elements = gradcheck<double>(total, {Array<double>(xt::zeros<double>({0}))});
    BOOST_TEST(!no_elements.ok);
    BOOST_TEST(contains(no_elements.message, "no elements"), no_elements.message);

    GradcheckOptions none;
    none.differentiable = {false};
    const auto nothing_differentiable = gradcheck<double>(total, {Array<double>{1.0, 2.0}}, none);
    BOOST_TEST(!nothing_differentiable.ok);
    BOOST_TEST(contains(nothing_differentiable.message, "no input is differentiable"),
               nothing_differentiable.message);

    const auto via_check_backward = check_backward<double>(constant, constant, {});
    BOOST_TEST(!via_check_backward.ok);
    BOOST_TEST(contains(via_check_backward.message, "no inputs"), via_check_backward.message);
}

BOOST_AUTO_TEST_CASE(maximum_splits_the_gradient_on_ties) {
    Tensor<double> a(Array<double>{1.0, 2.0, 3.0}, true);
    Tensor<double> b(Array<double>{1.0, 5.0, 0.0}, true);
    sum(maximum(a, b)).backward();
    BOOST_TEST(a.grad() == (Array<double>{0.5, 0.0, 1.0}), boost::test_tools::per_element());
    BOOST_TEST(b.grad() == (Array<double>{0.5, 1.0, 0.0}), boost::test_tools::per_element());
}

// The kink conventions documented in ops.hpp, exactly. gradcheck cases keep away from kinks,
// where finite differences are meaningless, so only these tests pin them down.
BOOST_AUTO_TEST_CASE(relu_has_gradient_zero_at_zero) {
    Tensor<double> x(Array<double>{-1.0, 0.0, -0.0, 2.0}, true);
    relu(x).backward(Array<double>{2.0, 3.0, 5.0, 7.0});
    BOOST_TEST(x.grad() == (Array<double>{0.0, 0.0, 0.0, 7.0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(abs_has_gradient_zero_at_zero) {
    Tensor<double> x(Array<double>{-2.0, 0.0, -0.0, 3.0}, true);
    abs(x).backward(Array<double>{2.0, 3.0, 5.0, 7.0});
    BOOST_TEST(x.grad() == (Array<double>{-2.0, 0.0, 0.0, 7.0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(clamp_passes_the_gradient_at_its_bounds) {
    // Passes where low <= x <= high, bounds included; 0 strictly outside.
    Tensor<double> x(Array<double>{-1.0, -0.5, 0.0, 0.5, 1.0}, true);
    clamp(x, -0.5, 0.5).backward(Array<double>{2.0, 3.0, 5.0, 7.0, 11.0});
    BOOST_TEST(x.grad() == (Array<double>{0.0, 3.0, 5.0, 7.0, 0.0}),
               boost::test_tools::per_element());
    Tensor<double> y(Array<double>{0.25, 0.0, 1.0}, true);  // low == high: only x == low passes
    clamp(y, 0.25, 0.25).backward(Array<double>{2.0, 3.0, 5.0});
    BOOST_TEST(y.grad() == (Array<double>{2.0, 0.0, 0.0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(pow_zero_has_gradient_zero_also_at_zero) {
    // The general formula gives 0 * 0^-1 = 0 * inf = NaN at 0.
    Tensor<double> x(Array<double>{0.0, -2.0, 3.0}, true);
    sum(pow(x, 0.0)).backward();
    BOOST_TEST(x.grad() == (Array<double>{0.0, 0.0, 0.0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
