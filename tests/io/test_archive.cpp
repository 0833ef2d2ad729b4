// The checkpoint archive: round trips, every kind of damage refused with a message naming the
// file, and atomic replacement (a writer killed mid-write leaves the previous archive loadable).
#include <boost/test/unit_test.hpp>

#include <zlib.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <xtgrad/io/archive.hpp>
#include <xtgrad/nn/nn.hpp>
#include <xtgrad/optim/optim.hpp>

#include "../support/temp_dir.hpp"

using namespace xtgrad;
using namespace xtgrad::io;
using xtgrad::testing::TempDir;

namespace {

Archive sample() {
    Archive a;
    a.put("weights", Array<float>{{1.5f, -2.0f}, {0.25f, 8.0f}});
    a.put("scalar", Array<double>(Shape{}));
    a.put("empty", Array<double>(Shape{0, 3}));
    a.put("order", std::vector<std::uint64_t>{3, 1, 2, 1ULL << 60});
    a.put("note", std::string("config {\"lr\": 0.1}"));
    return a;
}

template <class F>
void expect_archive_error(F f, const std::string& fragment) {
    try {
        f();
        BOOST_FAIL("expected an ArchiveError containing '" << fragment << "'");
    } catch (const ArchiveError& e) {
        BOOST_TEST(std::string(e.what()).find(fragment) != std::string::npos, e.what());
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(archive)

BOOST_AUTO_TEST_CASE(round_trip_of_every_kind) {
    TempDir dir;
    save_archive(dir / "a.ckpt", sample());
    const Archive b = load_archive(dir / "a.ckpt");
    BOOST_TEST(b.array<float>("weights") == sample().array<float>("weights"),
               boost::test_tools::per_element());
    BOOST_TEST(b.array<double>("scalar").dimension() == 0u);
    BOOST_TEST(to_string(b.array<double>("empty").shape()) == "(0, 3)");
    BOOST_TEST(b.integers("order") == sample().integers("order"), boost::test_tools::per_element());
    BOOST_TEST(b.text("note") == "config {\"lr\": 0.1}");
    expect_archive_error([&] { b.array<double>("weights"); }, "'weights' is not a float64 array");
    expect_archive_error([&] { b.text("missing"); }, "has no entry 'missing'");
    BOOST_TEST(!std::filesystem::exists(dir / "a.ckpt.tmp"));
}

BOOST_AUTO_TEST_CASE(damaged_files_are_refused_by_name) {
    TempDir dir;
    save_archive(dir / "good.ckpt", sample());
    const auto bytes = xtgrad::testing::read_bytes(dir / "good.ckpt");
    const auto write = [&](const std::string& name, std::vector<std::uint8_t> b) {
        xtgrad::testing::write_bytes(dir / name, b);
        return dir / name;
    };
    auto flipped = bytes;
    flipped[40] ^= 1;
    const auto f1 = write("flipped.ckpt", flipped);
    expect_archive_error([&] { load_archive(f1); }, "flipped.ckpt: checksum mismatch");
    const auto f2 = write("cut.ckpt", std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 60));
    expect_archive_error([&] { load_archive(f2); }, "checksum mismatch");
    const auto f3 = write("tiny.ckpt", {1, 2, 3});
    expect_archive_error([&] { load_archive(f3); }, "too short");
    auto magic = bytes;
    magic[0] = 'Y';
    const auto f4 = write("magic.ckpt", magic);
    expect_archive_error([&] { load_archive(f4); }, "bad magic");
    expect_archive_error([&] { load_archive(dir / "missing.ckpt"); }, "no such file");
    expect_archive_error([&] { load_archive(dir.path()); }, "no such file");
}

BOOST_AUTO_TEST_CASE(a_writer_killed_mid_write_leaves_the_previous_archive) {
    TempDir dir;
    const auto file = dir / "state.ckpt";
    Archive first;
    first.put("version", std::vector<std::uint64_t>{1});
    save_archive(file, first);

    const pid_t child = fork();
    if (child == 0) {  // keeps replacing the archive with large new versions until killed
        Archive big;
        big.put("payload", Array<double>(Shape{20'000'000}, 1.0));  // 160 MB: writing takes a while
        for (std::uint64_t version = 2;; ++version) {
            big.put("version", std::vector<std::uint64_t>{version});
            save_archive(file, big);
        }
    }
    // Kill the writer while its temporary file is partly written.
    const auto temporary = dir / "state.ckpt.tmp";
    bool killed_mid_write = false;
    for (int i = 0; i < 2000 && !killed_mid_write; ++i) {
        std::error_code error;
        const auto size = std::filesystem::file_size(temporary, error);
        if (!error && size > 1'000'000 && size < 100'000'000) {
            kill(child, SIGKILL);
            killed_mid_write = true;
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    if (!killed_mid_write) kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    BOOST_TEST_REQUIRE(killed_mid_write, "never caught the writer mid-write");
    const Archive survived = load_archive(file);  // the last complete version, whichever it is
    BOOST_TEST(survived.integers("version").size() == 1u);
    if (survived.integers("version")[0] > 1)
        BOOST_TEST(survived.array<double>("payload").size() == 20'000'000u);
}

BOOST_AUTO_TEST_CASE(model_and_optimizer_state_round_trip_and_mismatches_are_named) {
    TempDir dir;
    StdRandom rng(1);
    auto model = nn::make_mlp<double>({{4, 3, 2}, nn::Activation::relu}, rng);
    optim::SGD<double> sgd(model->parameters(), {.lr = 0.1, .momentum = 0.9});
    sum(square(model(Tensor<double>(xt::ones<double>({2, 4}))))).backward();
    sgd.step();
    std::vector<std::string> names;
    for (const auto& [name, p] : model->named_parameters()) names.push_back(name);
    Archive a;
    nn::store_module_state(a, *model);
    sgd.store_state(a, names);
    save_archive(dir / "m.ckpt", a);

    auto copy = nn::make_mlp<double>({{4, 3, 2}, nn::Activation::relu}, rng);
    optim::SGD<double> copy_sgd(copy->parameters(), {.lr = 0.5, .momentum = 0.9});
    const Archive loaded = load_archive(dir / "m.ckpt");
    nn::restore_module_state(loaded, *copy);
    copy_sgd.restore_state(loaded, names);
    BOOST_TEST(copy->parameter("fc1.weight").value() == model->parameter("fc1.weight").value(),
               boost::test_tools::per_element());
    BOOST_TEST(*copy_sgd.velocity(2) == *sgd.velocity(2), boost::test_tools::per_element());
    BOOST_TEST(copy_sgd.lr() == 0.1);  // a schedule's rate is restored

    // Optimizer state that does not fit is refused by name, never silently dropped.
    std::vector<std::string> renamed = names;
    renamed[0] = "encoder.weight";
    expect_archive_error([&] { copy_sgd.restore_state(loaded, renamed); },
                         "has no optimizer state for parameter 'encoder.weight'");
    std::vector<std::string> fewer(names.begin() + 1, names.end());
    optim::SGD<double> fewer_sgd(
        {copy->parameter("fc1.bias"), copy->parameter("fc2.weight"), copy->parameter("fc2.bias")},
        {.lr = 0.1, .momentum = 0.9});
    expect_archive_error(
        [&] { fewer_sgd.restore_state(loaded, fewer); },
        "holds optimizer state for 'fc1.weight', which this optimizer does not have");
    optim::SGD<double> other_momentum(copy->parameters(), {.lr = 0.1, .momentum = 0.5});
    expect_archive_error([&] { other_momentum.restore_state(loaded, names); },
                         "its sgd options (momentum 0.9, dampening 0, nesterov 0) differ from "
                         "this optimizer's (momentum 0.5, dampening 0, nesterov 0)");
    optim::SGD<double> nesterov(copy->parameters(), {.lr = 0.1, .momentum = 0.9, .nesterov = true});
    expect_archive_error([&] { nesterov.restore_state(loaded, names); },
                         "optimizer's (momentum 0.9, dampening 0, nesterov 1)");
    optim::SGD<double> other_decay(copy->parameters(),
                                   {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.1});
    expect_archive_error([&] { other_decay.restore_state(loaded, names); },
                         "the weight decay of group 0 is 0.000000, this optimizer's 0.100000");
    optim::Adam<double> adam(copy->parameters());
    expect_archive_error([&] { adam.restore_state(loaded, names); },
                         "holds the state of optimizer 'sgd', not 'adam'");
    expect_archive_error([&] { copy_sgd.restore_state(Archive{}, names); },
                         "holds the state of optimizer 'none', not 'sgd'");

    auto wider = nn::make_mlp<double>({{4, 5, 2}, nn::Activation::relu}, rng);
    expect_archive_error([&] { nn::restore_module_state(loaded, *wider); },
                         "parameter 'fc1.weight' has shape (4, 3), the model's is (4, 5)");
    auto deeper = nn::make_mlp<double>({{4, 3, 2, 2}, nn::Activation::relu}, rng);
    expect_archive_error([&] { nn::restore_module_state(loaded, *deeper); },
                         "has no parameter 'fc3.weight'");
    auto shallow = nn::make_mlp<double>({{4, 3}, nn::Activation::relu}, rng);
    expect_archive_error([&] { nn::restore_module_state(loaded, *shallow); },
                         "holds parameter 'fc2.bias', which");
    auto single = nn::make_mlp<float>({{4, 3, 2}, nn::Activation::relu}, rng);
    expect_archive_error([&] { nn::restore_module_state(loaded, *single); },
                         "is not a float32 array");
}

BOOST_AUTO_TEST_CASE(defects_behind_a_valid_checksum_are_named) {
    // An archive written byte by byte (format version 1): one float64 entry "w" of shape (2).
    struct Fields {
        std::uint32_t version = 1;
        std::uint64_t count = 1;
        std::uint8_t kind = 1;
        std::uint32_t rank = 1;
        std::uint64_t dim = 2;
        std::uint64_t payload = 16;
        bool trailing_byte = false;
    };
    const auto image = [](const Fields& f) {
        std::vector<std::uint8_t> b;
        const auto put = [&b](const auto& v) {
            const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
            b.insert(b.end(), p, p + sizeof v);
        };
        for (char c : std::string("XTGRADCK")) b.push_back(static_cast<std::uint8_t>(c));
        put(f.version);
        put(f.count);
        put(std::uint32_t{1});
        b.push_back('w');
        put(f.kind);
        put(f.rank);
        put(f.dim);
        put(f.payload);
        put(1.5);
        put(-2.5);
        if (f.trailing_byte) b.push_back(0);
        put(static_cast<std::uint32_t>(crc32(0, b.data(), static_cast<uInt>(b.size()))));
        return b;
    };
    const Archive valid = parse_archive(image({}), "valid");
    BOOST_TEST(valid.array<double>("w")(1) == -2.5);
    const auto refused = [&](Fields f, const std::string& fragment) {
        expect_archive_error([&] { parse_archive(image(f), "damaged"); }, fragment);
    };
    refused({.version = 2}, "archive version 2 (this build reads version 1)");
    refused({.kind = 7}, "entry 'w' has unknown kind 7");
    refused({.trailing_byte = true}, "unexpected bytes after the last entry");
    refused({.rank = 33}, "entry 'w' has rank 33");
    refused({.dim = std::uint64_t{1} << 62}, "entry 'w' has dimensions that overflow");
    refused({.payload = 15}, "15 payload bytes for shape (2)");
    refused({.count = 5}, "truncated name length");
    refused({.dim = 3, .payload = 24}, "truncated payload");
}

BOOST_AUTO_TEST_SUITE_END()
