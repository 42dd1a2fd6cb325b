#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/ids.hpp"
#include "common/result.hpp"
#include "store/case_repository.hpp"

namespace swarmbot::handlers {

// The filters of `/case list`, `/case mine` and `/case queue`, written like the
// rest of swarmbot's options as name=value words (a colon works too):
//   new|open|held|closed|all      a status on its own, as before
//   status=held  status=new,open  channel=email  territory=North
//   owner=@ravi  owner=me  owner=none  page=2
// A filter given twice (a bare status counts as status=) is refused. The
// default is new and open cases of anyone.
struct CaseListQuery {
  store::CaseFilter filter;  // limit and offset untouched
  int page = 1;
  // The words that give this query again (without page=), to build the
  // "next page" hint.
  std::vector<std::string> words;
};

inline constexpr int kMaxPage = 10'000;

// kInvalidInput with a user_message naming the word and the allowed values.
// `caller` is who `owner=me` means.
Result<CaseListQuery> ParseCaseListQuery(std::string_view text, const UserId& caller);

// "new, open · email · territory North · owner <@U1>", for headings.
std::string DescribeFilter(const store::CaseFilter& filter);

}  // namespace swarmbot::handlers
