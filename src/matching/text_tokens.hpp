#pragma once
// Splitting text into the words the built-in text model (hashing_embedder.cpp) works on.
// Byte-oriented and locale-free: only ASCII letters change case, UTF-8 sequences pass untouched.
// Any change here changes the vectors of the model "pm-hashing-v1": see hashing_embedder.cpp.

#include <string>
#include <string_view>
#include <vector>

namespace pm::matching::text {

// The words of `text` in order, ASCII-lowercased, stop words dropped. A word is a run of ASCII
// letters, digits and non-ASCII characters (invalid UTF-8 bytes included, kept as they are).
// ASCII punctuation and common Unicode spaces and punctuation (U+00A0, ¡ « » ¿, U+2000-U+207F,
// U+3000-U+303F) separate words; an apostrophe (' or ’) inside a word is dropped ("Don't" -> "dont").
std::vector<std::string> words(std::string_view text);

// True for the small built-in English stop-word list (lowercase input). Negations are not on it.
bool is_stop_word(std::string_view word);

// A light English suffix stripper, so "hike", "hikes", "hiked" and "hiking" share one stem
// ("hik"). Deliberately crude (no dictionary): a stem only has to be the same for related forms,
// not a real word. Words with non-ASCII characters, and stems shorter than three letters, are left alone.
std::string stem(std::string_view word);

// The UTF-8 characters of `word` as views into it (a continuation byte belongs to the character before it).
std::vector<std::string_view> characters(std::string_view word);

}  // namespace pm::matching::text
