#include "options.hpp"

#include <type_traits>

namespace mnist_train {

namespace {

using xtgrad::train::FieldInfo;

template <class V>
void add_field(CLI::App& app, const FieldInfo& field, V& value) {
    const std::string flag = std::string("--") + field.key;
    if constexpr (std::is_same_v<V, bool>) {
        app.add_flag(flag, value, field.help);
    } else if constexpr (xtgrad::train::Choice<V>) {
        // Parsed into the enum here, once; an unknown name is an error naming the flag.
        app.add_option_function<std::string>(
               flag,
               [&value, key = std::string(field.key)](const std::string& text) {
                   try {
                       value = xtgrad::train::parse_choice<V>(key, text);
                   } catch (const std::invalid_argument& e) {
                       throw CLI::ValidationError(e.what());
                   }
               },
               field.help)
            ->default_str(std::string(xtgrad::train::choice_name(value)));
    } else {
        CLI::Option* option = app.add_option(flag, value, field.help);
        if constexpr (!std::is_same_v<V, std::string>) option->capture_default_str();
        if constexpr (std::is_unsigned_v<V> || std::is_same_v<V, std::vector<std::size_t>>) {
            // CLI11 would otherwise wrap "-5" to a huge count.
            option->check(CLI::Validator(
                [](std::string& input) {
                    return input.starts_with('-') ? std::string("must not be negative")
                                                  : std::string();
                },
                "", "non-negative"));
        }
        if constexpr (std::is_same_v<V, std::vector<std::size_t>>) option->delimiter(',');
    }
}

}  // namespace

void add_options(CLI::App& app, xtgrad::train::RunConfig& config, std::string& config_file) {
    app.add_option("--config", config_file,
                   "JSON file with any of the settings below, keyed by the flags' names "
                   "(flags override it)");
    xtgrad::train::for_each_field(
        config, [&](const FieldInfo& field, auto& value) { add_field(app, field, value); });
}

}  // namespace mnist_train
