#pragma once
// `--set a.b=value`: one key overridden from the command line, applied to the parsed TOML
// before it is read, so it is type- and range-checked exactly like the file.
#include <toml++/toml.h>

#include <span>
#include <string_view>

#include "config/describe.h"

namespace longnet::config {

// Sets the key named in `assignment` ("train.lr=3e-4") in `root`. The value is TOML text of
// the key's type ([1024, 2048], 3e-4, true); a string, an enum value or the words of a list of
// strings may be left bare (attention.kind=dense, scale.kinds=[dense,sparse]). `fields` lists
// the valid keys (config/describe.h). No '=' is a UsageError; an unknown key or unparsable
// value is a ConfigError. Errors about the value name "--set <assignment>" as its location.
void apply_override(toml::table& root, std::string_view assignment,
                    std::span<const FieldInfo> fields);

}  // namespace longnet::config
