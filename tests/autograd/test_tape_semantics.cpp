// The gradient semantics promised in tensor.hpp and tape.hpp, one test each.
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <memory>
#include <string>

#include <xtensor/xbuilder.hpp>

#include <xtgrad/autograd/custom_op.hpp>
#include <xtgrad/autograd/gradcheck.hpp>
#include <xtgrad/autograd/ops.hpp>
#include <xtgrad/autograd/tape.hpp>

using namespace xtgrad;
namespace tt = boost::test_tools;

namespace {

Tensor<double> param(Array<double> v) {
    return Tensor<double>::parameter(std::move(v));
}

std::size_t live_nodes() {
    return Tape<double>::current().live_nodes();
}

/// x^2 recorded under op.
Tensor<double> square_as(const OpInfo& op, const Tensor<double>& x) {
    return record_op(op, Array<double>(x.value() * x.value()), {x},
                     [x](BackwardContext<double>& ctx) {
                         ctx.accumulate(0, Array<double>(2.0 * x.value() * ctx.grad_output()));
                     });
}

/// Records under an OpInfo on the heap, named by a heap string: both are freed on return.
Tensor<double> square_with_a_local_op_info(const Tensor<double>& x) {
    const std::string name = "square_from_a_function_local_op_info";  // too long for SSO
    const auto op = std::make_unique<OpInfo>(OpInfo{name});
    return square_as(*op, x);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tape_semantics)

BOOST_AUTO_TEST_CASE(leaves_accumulate_across_backwards_until_zeroed) {
    auto w = param({1.0, 2.0});
    sum(w * 3.0).backward();
    BOOST_TEST(w.grad() == (Array<double>{3.0, 3.0}), tt::per_element());
    sum(w * w).backward();  // adds 2w
    BOOST_TEST(w.grad() == (Array<double>{5.0, 7.0}), tt::per_element());
    w.zero_grad();
    BOOST_TEST(!w.has_grad());
    BOOST_TEST(w.grad() == (Array<double>{0.0, 0.0}), tt::per_element());
    sum(w).backward();
    BOOST_TEST(w.grad() == (Array<double>{1.0, 1.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(a_value_used_twice_gets_the_sum_of_both_gradients) {
    auto x = param({3.0});
    auto h = x * 2.0;         // used by both terms below
    auto y = sum(h * h + h);  // dy/dx = (2h + 1) * 2 = 26
    y.backward();
    BOOST_TEST(x.grad()(0) == 26.0);
}

BOOST_AUTO_TEST_CASE(intermediate_gradients_never_leak_into_the_next_backward) {
    auto x = param({1.0, -2.0});
    auto h = tanh(x);
    auto loss = sum(h * h);
    loss.backward(BackwardOptions{.retain_graph = true});
    BOOST_TEST(!h.has_grad(), "an intermediate kept its gradient after backward");
    BOOST_CHECK_THROW(h.grad(), GraphError);
    const Array<double> first = x.grad();
    x.zero_grad();
    loss.backward();  // same graph again: the same gradient, not the first one added twice
    BOOST_TEST(x.grad() == first, tt::per_element());
}

BOOST_AUTO_TEST_CASE(a_second_backward_needs_retain_graph) {
    auto x = param({0.5});
    auto y = sum(exp(x));
    y.backward(BackwardOptions{.retain_graph = true});
    y.backward();  // allowed: the first kept the graph
    BOOST_TEST(x.grad()(0) == 2 * std::exp(0.5), tt::tolerance(1e-15));
    BOOST_CHECK_THROW(y.backward(), GraphError);  // the second did not
}

BOOST_AUTO_TEST_CASE(backward_through_a_graph_freed_by_another_backward_throws) {
    auto x = param({0.5, 1.5});
    auto shared = exp(x);
    auto first = sum(shared);
    auto second = mean(shared);
    first.backward();  // frees `shared`'s op
    try {
        second.backward();
        BOOST_FAIL("expected a GraphError");
    } catch (const GraphError& e) {
        BOOST_TEST(std::string(e.what()).find("exp") != std::string::npos);
        BOOST_TEST(std::string(e.what()).find("retain_graph") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(no_grad_guard_records_nothing_and_nests) {
    auto w = param({1.0, 2.0});
    const std::size_t before = live_nodes();
    {
        NoGradGuard outer;
        {
            NoGradGuard inner;
            BOOST_TEST(!grad_enabled());
        }
        BOOST_TEST(!grad_enabled());
        auto y = sum(exp(w) * w);
        BOOST_TEST(!y.requires_grad());
        BOOST_TEST(y.is_leaf());
        BOOST_TEST(live_nodes() == before);
    }
    BOOST_TEST(grad_enabled());
    auto z = sum(w);
    BOOST_TEST(z.requires_grad());
}

BOOST_AUTO_TEST_CASE(backward_frees_the_graph_and_dropped_results_free_theirs) {
    const std::size_t before = live_nodes();
    auto w = param({1.0, 2.0, 3.0});
    {
        auto loss = sum(sigmoid(w * w));
        BOOST_TEST(live_nodes() == before + 3);
        loss.backward();
        BOOST_TEST(live_nodes() == before, "backward left recorded ops alive");
    }
    {
        auto unused = sum(tanh(w));  // recorded, never differentiated
        BOOST_TEST(live_nodes() == before + 2);
    }
    BOOST_TEST(live_nodes() == before, "dropping a result did not free its graph");
}

BOOST_AUTO_TEST_CASE(deep_graphs_neither_recurse_in_backward_nor_in_destruction) {
    const std::size_t before = live_nodes();
    auto x = param({1.0});
    Tensor<double> y = x;
    constexpr int depth = 200000;
    for (int i = 0; i < depth; ++i) y = y * 1.0;
    sum(y).backward();
    BOOST_TEST(x.grad()(0) == 1.0);
    Tensor<double> z = x;
    for (int i = 0; i < depth; ++i) z = z + 0.0;
    z = Tensor<double>();  // destroys a 200 000-deep chain without a backward
    BOOST_TEST(live_nodes() == before);
}

BOOST_AUTO_TEST_CASE(modifying_a_recorded_input_in_place_is_caught) {
    auto w = param({1.0, 2.0});
    w.set_name("w");
    auto loss = sum(w * w);
    w.mutable_value()(0) = 5.0;  // e.g. an optimizer step between forward and backward
    try {
        loss.backward();
        BOOST_FAIL("expected a GraphError");
    } catch (const GraphError& e) {
        BOOST_TEST(std::string(e.what()).find("modified in place") != std::string::npos);
        BOOST_TEST(std::string(e.what()).find("'w'") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(backward_needs_a_seed_for_non_scalars) {
    auto w = param({1.0, 2.0});
    auto y = w * 2.0;
    BOOST_CHECK_THROW(y.backward(), GraphError);
    BOOST_CHECK_THROW(y.backward(Array<double>{1.0, 2.0, 3.0}), ShapeError);
    y.backward(Array<double>{1.0, 10.0});
    BOOST_TEST(w.grad() == (Array<double>{2.0, 20.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(a_moved_seed_gives_the_gradients_of_a_copied_one) {
    auto w = param({1.0, 2.0});
    const Array<double> seed{3.0, -1.0};
    (w * w).backward(seed);  // copied: the seed stays as it was
    BOOST_TEST(seed == (Array<double>{3.0, -1.0}), tt::per_element());
    const Array<double> copied = w.grad();
    w.zero_grad();
    Array<double> moved = seed;
    (w * w).backward(std::move(moved));
    BOOST_TEST(w.grad() == copied, tt::per_element());
    BOOST_TEST(w.grad() == (Array<double>{6.0, -4.0}), tt::per_element());
    Array<double> wrong{1.0};
    BOOST_CHECK_THROW((w * w).backward(std::move(wrong)), ShapeError);
}

BOOST_AUTO_TEST_CASE(backward_on_a_constant_throws) {
    Tensor<double> c(Array<double>{1.0});
    BOOST_CHECK_THROW(sum(c).backward(), GraphError);
    Tensor<double> undefined;
    BOOST_CHECK_THROW(undefined.value(), GraphError);
}

BOOST_AUTO_TEST_CASE(a_leaf_root_receives_the_seed) {
    auto w = param({4.0});
    w.backward();
    w.backward();
    BOOST_TEST(w.grad()(0) == 2.0);
}

BOOST_AUTO_TEST_CASE(only_leaves_change_requires_grad) {
    auto w = param({1.0});
    auto y = w * 2.0;
    BOOST_CHECK_THROW(y.set_requires_grad(false), GraphError);
    auto d = y.detach();
    BOOST_TEST(d.is_leaf());
    BOOST_TEST(!d.requires_grad());
    BOOST_TEST(y.op_name() == "mul");
    BOOST_TEST(w.op_name() == "leaf");
}

BOOST_AUTO_TEST_CASE(detach_copies_the_value) {
    auto w = param({1.0, 2.0});
    auto y = w * 2.0;
    auto dw = w.detach();
    auto dy = y.detach();
    dw.mutable_value()(0) = 5.0;
    dy.mutable_value()(1) = -1.0;
    BOOST_TEST(w.value() == (Array<double>{1.0, 2.0}), tt::per_element());
    BOOST_TEST(y.value() == (Array<double>{2.0, 4.0}), tt::per_element());
    BOOST_TEST(w.version() == 0u);
    sum(y).backward();  // y's op saw no in-place change
    BOOST_TEST(w.grad() == (Array<double>{2.0, 2.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(a_custom_op_info_need_not_outlive_its_tensors) {
    auto x = param({3.0});
    auto y = square_with_a_local_op_info(x);  // reading freed memory here shows under ASan
    BOOST_TEST(y.op_name() == "square_from_a_function_local_op_info");

    // Deterministic without a sanitizer: change the OpInfo and its characters after recording.
    char name[] = "local_op";
    OpInfo info{name};
    auto z = square_as(info, x);
    std::strcpy(name, "reused!!");
    info.name = "other";
    BOOST_TEST(z.op_name() == "local_op");
    sum(y + z).backward();
    BOOST_TEST(x.grad()(0) == 12.0);

    // Built-in ops share one copy of their name instead of one per recorded op.
    BOOST_TEST((x * x).op_name().data() == (x * x).op_name().data());
}

BOOST_AUTO_TEST_CASE(the_natural_call_forms_compile) {
    // Each of these once failed to compile (ambiguous overload, T not deduced); the older
    // spellings must keep working too.
    auto x = param({0.5, 2.0});
    auto y = sum(x * x);
    y.backward({.retain_graph = true});
    y.backward(BackwardOptions{.retain_graph = true});
    y.backward();
    BOOST_TEST(x.grad() == (Array<double>{3.0, 12.0}), tt::per_element());
    (x * 2.0).backward(xt::ones<double>({2}));  // a seed expression
    BOOST_TEST(x.grad() == (Array<double>{5.0, 14.0}), tt::per_element());

    const auto square_sum = [](const std::vector<Tensor<double>>& in) {
        return sum(in[0] * in[0]);
    };
    const Array<double> a{0.5, 2.0};
    BOOST_TEST(gradcheck(square_sum, {a}).ok);
    BOOST_TEST(gradcheck(square_sum, {a, Array<double>{1.0}}, {}).ok);
    BOOST_TEST(gradcheck<double>(square_sum, {a}).ok);
    BOOST_TEST(gradcheck(square_sum, std::vector<Array<double>>{a}).ok);
    const TensorFunction<double> as_function = square_sum;
    BOOST_TEST(gradcheck(as_function, {a}).ok);
}

BOOST_AUTO_TEST_CASE(anomaly_mode_names_the_op_that_produced_a_nan) {
    auto w = param({-1.0, 4.0});
    {
        AnomalyModeGuard anomaly;
        try {
            auto y = sqrt(w);
            BOOST_FAIL("expected an AnomalyError");
        } catch (const AnomalyError& e) {
            BOOST_TEST(std::string(e.what()).find("sqrt") != std::string::npos);
            BOOST_TEST(std::string(e.what()).find("NaN") != std::string::npos);
        }
    }
    auto y = sqrt(w);  // outside the guard: no check
    BOOST_TEST(std::isnan(y.value()(0)));
}

BOOST_AUTO_TEST_CASE(anomaly_mode_names_the_op_whose_backward_produced_a_nan) {
    // A finite forward whose hand-written backward divides by zero: only the backward check
    // can find it, and it must name the op and the input.
    static constexpr OpInfo kBrokenBackward{"broken_backward"};
    auto a = param({1.0, 2.0});
    auto w = param({3.0, 0.0});
    const auto broken = [](const Tensor<double>& x, const Tensor<double>& y) {
        return record_op(kBrokenBackward, Array<double>(x.value() * y.value()), {x, y},
                         [x, y](BackwardContext<double>& ctx) {
                             ctx.accumulate(0, Array<double>(ctx.grad_output() * y.value()));
                             ctx.accumulate(1, Array<double>(ctx.grad_output() / y.value()));
                         });
    };
    {
        AnomalyModeGuard anomaly;
        auto loss = sum(broken(a, w));
        try {
            loss.backward();
            BOOST_FAIL("expected an AnomalyError from the backward");
        } catch (const AnomalyError& e) {
            const std::string what = e.what();
            BOOST_TEST(
                what.find("gradient of input 1 computed by broken_backward") != std::string::npos,
                what);
            BOOST_TEST(what.find("Inf at flat index 1") != std::string::npos, what);
        }
    }
    auto loss = sum(broken(a, w));  // outside the guard: the Inf goes through unchecked
    loss.backward();
    BOOST_TEST(std::isinf(w.grad()(1)));
}

BOOST_AUTO_TEST_SUITE_END()
