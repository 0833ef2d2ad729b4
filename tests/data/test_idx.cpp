// The IDX reader on small files written here: valid (raw and gzip) and each kind of defect.
#include <boost/test/unit_test.hpp>

#include <xtgrad/data/idx.hpp>

#include "../support/temp_dir.hpp"

using namespace xtgrad::data;
using namespace xtgrad::testing;

namespace {

/// Expects an IdxError whose message names the file and contains `defect`.
template <class F>
void expect_idx_error(F f, const std::filesystem::path& file, const std::string& defect) {
    try {
        f();
        BOOST_FAIL("expected an IdxError mentioning '" << defect << "'");
    } catch (const IdxError& e) {
        const std::string what = e.what();
        BOOST_TEST(what.find(file.string()) != std::string::npos, what);
        BOOST_TEST(what.find(defect) != std::string::npos, what);
    }
}

std::vector<std::uint8_t> pixels(std::size_t n) {
    std::vector<std::uint8_t> p(n);
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(i * 7);
    return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idx)

BOOST_AUTO_TEST_CASE(reads_raw_and_gzip_images_and_labels) {
    TempDir dir;
    const auto images = idx_bytes({3, 2, 4}, pixels(24));
    write_bytes(dir / "images", images);
    write_gzip(dir / "images.gz", images);
    for (const char* name : {"images", "images.gz"}) {
        const IdxImages read = read_idx_images(dir / name);
        BOOST_TEST(read.count == 3u);
        BOOST_TEST(read.rows == 2u);
        BOOST_TEST(read.cols == 4u);
        BOOST_TEST(read.pixels == pixels(24), boost::test_tools::per_element());
    }
    write_bytes(dir / "labels", idx_bytes({4}, {0, 9, 3, 1}));
    const auto labels = read_idx_labels(dir / "labels");
    BOOST_TEST(labels == (std::vector<std::uint8_t>{0, 9, 3, 1}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rejects_each_malformed_file) {
    TempDir dir;
    const auto good = idx_bytes({2, 2, 2}, pixels(8));
    const auto write = [&](const std::string& name, std::vector<std::uint8_t> bytes) {
        write_bytes(dir / name, bytes);
        return dir / name;
    };
    const auto images = [](const std::filesystem::path& f) { return [f] { read_idx_images(f); }; };

    auto f = write("empty", {});
    expect_idx_error(images(f), f, "empty file");
    f = write("short-magic", {0, 0});
    expect_idx_error(images(f), f, "truncated header");
    f = write("short-dims", {0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0});
    expect_idx_error(images(f), f, "truncated header");
    auto bad_magic = good;
    bad_magic[0] = 0x1f;
    bad_magic[1] = 0x00;
    f = write("bad-magic", bad_magic);
    expect_idx_error(images(f), f, "magic number");
    auto float_type = good;
    float_type[2] = 0x0D;
    f = write("float-type", float_type);
    expect_idx_error(images(f), f, "element type 0x0d");
    f = write("labels-as-images", idx_bytes({8}, pixels(8)));
    expect_idx_error(images(f), f, "has 1 dimensions, expected 3");
    f = write("rank-zero", {0, 0, 0x08, 0});
    expect_idx_error(images(f), f, "rank 0");
    auto truncated = good;
    truncated.pop_back();
    f = write("truncated-body", truncated);
    expect_idx_error(images(f), f,
                     "truncated: the header promises 8 bytes of data, the file has 7");
    auto padded = good;
    padded.push_back(1);
    f = write("padded", padded);
    expect_idx_error(images(f), f, "1 unexpected bytes after the data");
    f = write("overflow", idx_bytes({0xffffffff, 0xffffffff, 0xffffffff}, {}));
    expect_idx_error(images(f), f, "overflow");
    f = write("huge", idx_bytes({60000, 28, 28}, pixels(100)));  // nothing sized by the header
    expect_idx_error(images(f), f, "truncated: the header promises 47040000 bytes");
    f = write("empty-images", idx_bytes({2, 0, 2}, {}));
    expect_idx_error(images(f), f, "images of size 0x2");
    f = write("bad-label", idx_bytes({3}, {1, 10, 2}));
    expect_idx_error([f] { read_idx_labels(f); }, f, "label 10 at index 1 is outside 0..9");
    f = write("images-as-labels", good);
    expect_idx_error([f] { read_idx_labels(f); }, f, "expected 1");
}

BOOST_AUTO_TEST_CASE(rejects_bad_gzip_directories_and_missing_files) {
    TempDir dir;
    write_gzip(dir / "good.gz", idx_bytes({2, 2, 2}, pixels(8)));
    auto compressed = read_bytes(dir / "good.gz");

    auto corrupt = compressed;
    for (std::size_t i = 10; i < corrupt.size() - 8; ++i) corrupt[i] ^= 0x5a;
    write_bytes(dir / "corrupt.gz", corrupt);
    expect_idx_error([&] { read_idx_images(dir / "corrupt.gz"); }, dir / "corrupt.gz", "gzip data");

    auto cut = compressed;
    cut.resize(cut.size() / 2);
    write_bytes(dir / "cut.gz", cut);
    expect_idx_error([&] { read_idx_images(dir / "cut.gz"); }, dir / "cut.gz",
                     "truncated gzip data");

    std::filesystem::create_directory(dir / "a-directory");
    expect_idx_error([&] { read_idx_images(dir / "a-directory"); }, dir / "a-directory",
                     "is a directory");
    expect_idx_error([&] { read_idx_images(dir / "missing"); }, dir / "missing", "no such file");

    // A gzip bomb is cut off at the cap instead of filling memory.
    write_gzip(dir / "bomb.gz", std::vector<std::uint8_t>(5'000'000, 0));
    expect_idx_error([&] { read_file_bytes(dir / "bomb.gz", 1'000'000); }, dir / "bomb.gz",
                     "decompresses to more than 1000000 bytes");
}

BOOST_AUTO_TEST_CASE(parse_idx_works_on_memory) {
    const auto bytes = idx_bytes({2, 3}, {1, 2, 3, 4, 5, 6});
    const IdxContent content = parse_idx(bytes, "in-memory");
    BOOST_TEST(content.dims == (std::vector<std::size_t>{2, 3}), boost::test_tools::per_element());
    BOOST_TEST(content.elements.size() == 6u);
    BOOST_CHECK_THROW(parse_idx(bytes, "in-memory", 3), IdxError);
}

BOOST_AUTO_TEST_SUITE_END()
