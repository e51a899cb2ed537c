#include "uidlist.hpp"

#include <mailaccess/store/error.hpp>

#include <algorithm>
#include <limits>

namespace mailaccess::maildir::detail {
namespace {

template <class T>
bool parse_number(std::string_view s, T& out) {
    if (s.empty() || s.size() > 20) return false;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        const auto d = static_cast<std::uint64_t>(c - '0');
        if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
        v = v * 10 + d;
    }
    if (v > std::numeric_limits<T>::max()) return false;
    out = static_cast<T>(v);
    return true;
}

// Splits off the next space-separated token.
std::string_view next_token(std::string_view& s) {
    const std::size_t sp = s.find(' ');
    std::string_view tok = s.substr(0, sp);
    s = sp == std::string_view::npos ? std::string_view{} : s.substr(sp + 1);
    return tok;
}

bool valid_basename(std::string_view name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
           name.find('\0') == std::string_view::npos;
}

}  // namespace

result<uidlist> parse_uidlist(std::string_view text) {
    if (text.size() > max_uidlist_size) return unexpected(store::errc::corrupt);
    uidlist out;
    const std::size_t eol = text.find('\n');
    std::string_view header = text.substr(0, eol);
    std::string_view body = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);

    const std::string_view version = next_token(header);
    int format = 0;
    if (version == "3") {
        format = 3;
        while (!header.empty()) {
            const std::string_view field = next_token(header);
            if (field.empty()) continue;
            const std::string_view value = field.substr(1);
            bool ok = true;
            switch (field[0]) {
                case 'V': ok = parse_number(value, out.uidvalidity); break;
                case 'N': ok = parse_number(value, out.next_uid); break;
                case 'M': ok = parse_number(value, out.highest_modseq); break;
                default: break;  // Dovecot's G<guid> and future fields
            }
            if (!ok) return unexpected(store::errc::corrupt);
        }
    } else if (version == "1") {
        format = 1;
        if (!parse_number(next_token(header), out.uidvalidity) ||
            !parse_number(next_token(header), out.next_uid))
            return unexpected(store::errc::corrupt);
    } else {
        return unexpected(store::errc::corrupt);
    }
    if (out.uidvalidity == 0 || out.next_uid == 0) return unexpected(store::errc::corrupt);

    std::uint32_t last_uid = 0;
    while (!body.empty()) {
        const std::size_t nl = body.find('\n');
        std::string_view line = body.substr(0, nl);
        body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
        if (line.empty()) continue;
        uidlist_entry e;
        if (!parse_number(next_token(line), e.uid) || e.uid == 0 ||
            e.uid == std::numeric_limits<std::uint32_t>::max())
            return unexpected(store::errc::corrupt);
        if (format == 3 && line.find(':') == std::string_view::npos) {
            // "<uid> M<modseq>": a later modseq of a message listed before.
            modseq_update u{e.uid, 0};
            while (!line.empty()) {
                const std::string_view field = next_token(line);
                if (field.empty()) continue;
                if (field[0] == 'M' && !parse_number(field.substr(1), u.modseq))
                    return unexpected(store::errc::corrupt);
            }
            if (u.modseq == 0) return unexpected(store::errc::corrupt);
            out.highest_modseq = std::max(out.highest_modseq, u.modseq);
            const auto it =
                std::lower_bound(out.entries.begin(), out.entries.end(), u.uid,
                                 [](const uidlist_entry& x, std::uint32_t uid) { return x.uid < uid; });
            if (it != out.entries.end() && it->uid == u.uid)
                it->modseq = std::max(it->modseq, u.modseq);
            else
                out.updates.push_back(u);
            continue;
        }
        if (e.uid <= last_uid) return unexpected(store::errc::corrupt);
        std::string_view name;
        if (format == 3) {
            // Extension fields up to the ':' that starts the file name.
            for (;;) {
                if (line.empty()) return unexpected(store::errc::corrupt);
                if (line[0] == ':') {
                    name = line.substr(1);
                    break;
                }
                const std::string_view field = next_token(line);
                if (field.empty()) continue;
                if (field[0] == 'M' && !parse_number(field.substr(1), e.modseq))
                    return unexpected(store::errc::corrupt);
            }
        } else {
            name = line;
        }
        name = name.substr(0, name.find(':'));  // drop a ":2,<flags>" info part
        if (!valid_basename(name)) return unexpected(store::errc::corrupt);
        e.basename = std::string(name);
        last_uid = e.uid;
        out.highest_modseq = std::max(out.highest_modseq, e.modseq);
        out.entries.push_back(std::move(e));
    }
    // Dovecot repairs a next UID that lags the list the same way.
    if (out.next_uid <= last_uid) out.next_uid = last_uid + 1;
    return out;
}

std::string serialize_modseq_update(const modseq_update& update) {
    std::string out = std::to_string(update.uid);
    out += " M";
    out += std::to_string(update.modseq);
    out += '\n';
    return out;
}

std::string serialize_uidlist(const uidlist& list) {
    std::string out = "3 V" + std::to_string(list.uidvalidity) + " N" + std::to_string(list.next_uid) + " M" +
                      std::to_string(list.highest_modseq) + "\n";
    for (const auto& e : list.entries) {
        out += std::to_string(e.uid);
        out += " M";
        out += std::to_string(e.modseq);
        out += " :";
        out += e.basename;
        out += '\n';
    }
    return out;
}

}  // namespace mailaccess::maildir::detail
