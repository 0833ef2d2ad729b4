// The fuzz corpus (tests/fuzz/corpus, seeds and inputs that once crashed a parser) replayed on
// every test run: each file must parse or be refused with the parser's own error, as the
// libFuzzer targets require. scripts/fuzz explores further; this keeps its findings fixed.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <xtgrad/data/idx.hpp>
#include <xtgrad/io/archive.hpp>
#include <xtgrad/io/npy.hpp>
#include <xtgrad/io/safetensors.hpp>

namespace {

std::vector<std::filesystem::path> corpus(const std::string& target) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry :
         std::filesystem::directory_iterator(std::filesystem::path(XTGRAD_FUZZ_CORPUS) / target))
        if (entry.is_regular_file()) files.push_back(entry.path());
    return files;
}

std::vector<std::uint8_t> bytes_of(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fuzz_corpus)

BOOST_AUTO_TEST_CASE(archive_inputs_parse_or_are_refused) {
    const auto files = corpus("archive");
    BOOST_TEST_REQUIRE(files.size() >= 3u);
    for (const auto& file : files) {
        try {
            const auto archive =
                xtgrad::io::parse_archive(bytes_of(file), file.filename().string());
            BOOST_TEST_MESSAGE(file.filename() << ": " << archive.entries().size() << " entries");
        } catch (const xtgrad::io::ArchiveError& e) {
            BOOST_TEST_MESSAGE(file.filename() << ": refused: " << e.what());
        }
    }
}

BOOST_AUTO_TEST_CASE(safetensors_inputs_parse_or_are_refused) {
    const auto files = corpus("safetensors");
    BOOST_TEST_REQUIRE(files.size() >= 2u);
    for (const auto& file : files) {
        try {
            const auto content =
                xtgrad::io::parse_safetensors(bytes_of(file), file.filename().string());
            BOOST_TEST_MESSAGE(file.filename() << ": " << content.tensors.size() << " tensors");
        } catch (const xtgrad::io::SafetensorsError& e) {
            BOOST_TEST_MESSAGE(file.filename() << ": refused: " << e.what());
        }
    }
}

BOOST_AUTO_TEST_CASE(npy_and_npz_inputs_parse_or_are_refused) {
    for (const std::string target : {"npy", "npz"}) {
        const auto files = corpus(target);
        BOOST_TEST_REQUIRE(files.size() >= 2u);
        for (const auto& file : files) {
            try {
                const std::string name = file.filename().string();
                const std::size_t tensors =
                    target == "npy" ? (xtgrad::io::parse_npy(bytes_of(file), name), 1)
                                    : xtgrad::io::parse_npz(bytes_of(file), name).tensors.size();
                BOOST_TEST_MESSAGE(file.filename() << ": " << tensors << " tensors");
            } catch (const xtgrad::io::NpyError& e) {
                BOOST_TEST_MESSAGE(file.filename() << ": refused: " << e.what());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(idx_inputs_parse_or_are_refused) {
    const auto files = corpus("idx");
    BOOST_TEST_REQUIRE(files.size() >= 3u);
    for (const auto& file : files) {
        try {
            const auto bytes =
                xtgrad::data::decompress_if_gzip(bytes_of(file), file.filename().string(), 1 << 24);
            const auto content = xtgrad::data::parse_idx(bytes, file.filename().string());
            std::size_t count = 1;
            for (std::size_t d : content.dims) count *= d;
            BOOST_TEST(count == content.elements.size(), file.filename());
        } catch (const xtgrad::data::IdxError& e) {
            BOOST_TEST_MESSAGE(file.filename() << ": refused: " << e.what());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
