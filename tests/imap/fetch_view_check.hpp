#pragma once

// The view parser against the owning one: parse_fetch_view must accept a
// message exactly when parse_response gives a fetch_data for it, fail with
// the same error when parse_response fails on a FETCH response, and its
// views must describe the same values. Shared by the unit tests and the
// imap_response_fuzz target, so it returns a description of the first
// difference instead of asserting.

#include <mailaccess/imap/fetch_view.hpp>
#include <mailaccess/imap/response.hpp>

#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace mailaccess::imap::test {

// Whether `message` starts like a FETCH response: "* " digits " FETCH"
// followed by a non-atom character (what parse_response's FETCH path needs).
inline bool looks_like_fetch(std::string_view message) {
    if (message.substr(0, 2) != "* ") return false;
    std::size_t i = 2;
    while (i < message.size() && message[i] >= '0' && message[i] <= '9') ++i;
    if (i == 2 || i >= message.size() || message[i] != ' ') return false;
    const std::string_view rest = message.substr(i + 1);
    std::size_t n = 0;
    while (n < rest.size() && is_atom_char(rest[n])) ++n;
    return n == 5 && iequals(rest.substr(0, 5), "FETCH");
}

// Checks the views of one item against the owning item built from them:
// what to_fetch_item copies must be what the views say.
inline std::string item_mismatch(const fetch_item_view& v, const fetch_item& owned) {
    using k = fetch_item_view::kind;
    switch (v.type) {
        case k::uid:
            if (std::get<fetch_item_types::uid>(owned).value != v.number) return "uid";
            break;
        case k::flags: {
            const auto& f = std::get<fetch_item_types::flags>(owned).value;
            if (f.size() != v.flags.size()) return "flag count";
            for (std::size_t i = 0; i < f.size(); ++i)
                if (f[i].text() != v.flags[i] && !iequals(f[i].text(), v.flags[i])) return "flag text";
            break;
        }
        case k::envelope: {
            const auto& e = std::get<fetch_item_types::envelope>(owned).value;
            if (v.envelope == nullptr) return "no envelope";
            if (e.subject.has_value() == v.envelope->subject.is_nil()) return "subject nil";
            if (e.subject && !v.envelope->subject.equals(*e.subject)) return "subject equals";
            if (e.from.size() != v.envelope->from.size() || e.to.size() != v.envelope->to.size())
                return "address count";
            if (v.envelope->raw.empty() || v.envelope->raw.front() != '(' || v.envelope->raw.back() != ')')
                return "envelope raw";
            break;
        }
        case k::body_section: {
            const auto& b = std::get<fetch_body_section>(owned);
            if (v.streamed_size) {
                if (!v.data.is_nil() || !v.data.raw().empty()) return "streamed data";
            } else if (b.data.has_value() == v.data.is_nil() || (b.data && !v.data.equals(*b.data))) {
                return "section data";
            }
            if ((v.form == body_item_form::body || v.form == body_item_form::binary) &&
                (v.section.empty() || v.section.front() != '[' || v.section.back() != ']'))
                return "section text";
            break;
        }
        default:
            if (v.envelope != nullptr) return "an envelope on another item";
            break;
    }
    return {};
}

// Empty when both parsers agree on `message`, else what differs.
inline std::string fetch_view_mismatch(std::string_view message,
                                       std::span<const framer::literal_info> literals,
                                       const parse_options& options = {}) {
    const auto owned = parse_response(message, literals, options);
    fetch_view view;
    const auto viewed = parse_fetch_view(message, literals, view, options);
    const bool fetch = looks_like_fetch(message);
    if (!viewed) {
        if (!fetch) return "view failed on a message that is not a FETCH response";
        if (owned) return "view failed (" + viewed.error().message() + "), parse_response did not";
        if (owned.error() != viewed.error())
            return "different errors: " + owned.error().message() + " / " + viewed.error().message();
        return {};
    }
    if (!*viewed) {
        if (fetch) return "view said not a FETCH response";
        if (!view.items().empty()) return "view not empty after false";
        if (owned && std::holds_alternative<fetch_data>(*owned)) return "parse_response gave fetch_data";
        return {};
    }
    if (!fetch) return "view parsed a message that is not a FETCH response";
    if (!owned) return "view parsed, parse_response failed: " + owned.error().message();
    const auto* data = std::get_if<fetch_data>(&*owned);
    if (data == nullptr) return "parse_response gave no fetch_data";
    auto copy = view.to_fetch_data();
    if (!copy) return "to_fetch_data failed: " + copy.error().message();
    if (!(*copy == *data)) return "to_fetch_data differs from parse_response";
    if (view.seq() != data->seq || view.items().size() != data->items.size()) return "seq or item count";
    for (std::size_t i = 0; i < data->items.size(); ++i) {
        const fetch_item_view& v = view.items()[i];
        // Every view lies inside the message.
        for (std::string_view part : {v.name, v.raw, v.section, v.data.raw()}) {
            if (part.empty()) continue;
            if (part.data() < message.data() || part.data() + part.size() > message.data() + message.size())
                return "a view outside the message";
        }
        if (auto m = item_mismatch(v, data->items[i]); !m.empty())
            return "item " + std::to_string(i) + ": " + m;
    }
    return {};
}

}  // namespace mailaccess::imap::test
