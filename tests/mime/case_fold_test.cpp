#include <mailaccess/mime/case_fold.hpp>

#include <mailaccess/core/mutf7.hpp>
#include <mailaccess/mime/utf8.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace mailaccess;
using namespace mailaccess::mime;

TEST_CASE("fold_case maps upper and lower case to the same text", "[mime][fold]") {
    const std::pair<std::string, std::string> pairs[] = {
        {"HELLO World", "hello world"},
        {"ZA\xc5\xbb\xc3\x93\xc5\x81\xc4\x86 G\xc4\x98\xc5\x9aL\xc4\x84 JA\xc5\xb9\xc5\x83",
         "za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 g\xc4\x99\xc5\x9bl\xc4\x85 ja\xc5\xba\xc5\x84"},  // Polish
        {"\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2 \xd0\x9c\xd0\x98\xd0\xa0 \xd0\x81\xd0\x96",
         "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xd0\xbc\xd0\xb8\xd1\x80 "
         "\xd1\x91\xd0\xb6"},  // Russian
        {"\xce\x91\xce\x92\xce\x93\xce\x94 \xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91",
         "\xce\xb1\xce\xb2\xce\xb3\xce\xb4 \xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1"},  // Greek
        {"\xc3\x80\xc3\x89\xc3\x8e\xc3\x95\xc3\x9c \xc3\x86\xc3\x98\xc3\x85 \xc3\x9e",
         "\xc3\xa0\xc3\xa9\xc3\xae\xc3\xb5\xc3\xbc \xc3\xa6\xc3\xb8\xc3\xa5 \xc3\xbe"},    // Latin-1
        {"\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3", "\xef\xbd\x81\xef\xbd\x82\xef\xbd\x83"},  // fullwidth
        {"\xc7\x85\xc7\x84\xc7\x86", "\xc7\x86\xc7\x86\xc7\x86"},  // titlecase DŽ digraph
        {"\xce\xa3\xce\x91\xce\xa3", "\xcf\x83\xce\xb1\xcf\x82"},  // final sigma folds to sigma
        {"\xd2\x90", "\xd2\x91"},                                  // Ukrainian Ґ
        {"\xd4\xb1", "\xd5\xa1"},                                  // Armenian
        {"\xe2\x85\xab", "\xe2\x85\xbb"},                          // Roman numeral twelve
        {"\xc2\xb5", "\xce\xbc"},                                  // micro sign is mu
        {"\xe1\xba\x9e", "\xc3\x9f"},                              // capital sharp s
    };
    for (const auto& [upper, lower] : pairs) {
        INFO(upper);
        CHECK(fold_case(upper) == fold_case(lower));
        CHECK(is_valid_utf8(fold_case(upper)));
    }
    CHECK(fold_case("ZA\xc5\xbb\xc3\x93\xc5\x81\xc4\x86") == "za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87");
}

TEST_CASE("fold_case keeps what simple folding does not cover", "[mime][fold]") {
    CHECK(fold_case("\xc3\x9f") == "\xc3\x9f");  // ß is not "ss" (no full folding)
    CHECK(fold_case("\xc4\xb0") == "\xc4\xb0");  // Turkish dotted I stays
    CHECK(fold_case("\xe6\x97\xa5\xe6\x9c\xac") == "\xe6\x97\xa5\xe6\x9c\xac");  // CJK
    CHECK(fold_case("123 !?") == "123 !?");
    CHECK(fold_case("") == "");
    CHECK(fold_case("A\xff"
                    "B") ==
          "a\xef\xbf\xbd"
          "b");  // invalid UTF-8 becomes U+FFFD
    CHECK(fold_case(U'A') == U'a');
    CHECK(fold_case(U'\u0178') == U'\u00ff');  // Ÿ
    CHECK(fold_case(U'\u212A') == U'k');       // Kelvin sign
    CHECK(fold_case(U'\U0001F4E7') == U'\U0001F4E7');
    CHECK(fold_case(U'z') == U'z');
}

TEST_CASE("fold_case is idempotent on every covered code point", "[mime][fold]") {
    std::uint32_t failures = 0, first_failure = 0;
    for (char32_t cp = 0; cp < 0x10000; ++cp) {
        const char32_t f = fold_case(cp);
        if (fold_case(f) != f && failures++ == 0) first_failure = static_cast<std::uint32_t>(cp);
    }
    INFO(first_failure);
    CHECK(failures == 0);
}
