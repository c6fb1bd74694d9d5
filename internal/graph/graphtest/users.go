package graphtest

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// generatedDirectory is a stable tenant of 50 people.
func generatedDirectory() []User {
	first := []string{"John", "Joanna", "Jordan", "José", "Marie", "Léa", "Kenji", "Priya", "Olu", "Zoë"}
	last := []string{"Smith", "Dupont", "Johnson", "Nakamura", "Okafor"}
	titles := []string{"Sales Manager", "Accountant", "Engineer", "HR Partner", "Office Manager"}
	var out []User
	for i, f := range first {
		for j, l := range last {
			n := i*len(last) + j
			local := strings.ToLower(asciiFold(f) + "." + l)
			out = append(out, User{
				ID:                fmt.Sprintf("%08x-0000-4000-8000-%012x", 0x2000+n, n),
				DisplayName:       f + " " + l,
				Mail:              local + "@contoso.test",
				UserPrincipalName: local + "@contoso.test",
				JobTitle:          titles[(i+j)%len(titles)],
			})
		}
	}
	return out
}

func asciiFold(s string) string {
	r := strings.NewReplacer("é", "e", "ë", "e", "É", "E")
	return r.Replace(s)
}

func (s *Server) findUser(idOrName string) (User, bool) {
	for _, u := range s.opt.Users {
		if u.ID == idOrName || strings.EqualFold(u.UserPrincipalName, idOrName) || u.Mail != "" && strings.EqualFold(u.Mail, idOrName) {
			return u, true
		}
	}
	return User{}, false
}

var userProperties = []string{"id", "displayName", "mail", "userPrincipalName", "jobTitle", "givenName", "surname", "businessPhones", "mobilePhone", "officeLocation", "preferredLanguage"}

func userJSON(u User, sel []string) map[string]any {
	given, sur, _ := strings.Cut(u.DisplayName, " ")
	all := map[string]any{
		"id": u.ID, "displayName": u.DisplayName, "mail": nullable(u.Mail), "userPrincipalName": u.UserPrincipalName,
		"jobTitle": nullable(u.JobTitle), "givenName": nullable(given), "surname": nullable(sur),
		"businessPhones": []string{}, "mobilePhone": nil, "officeLocation": nil, "preferredLanguage": nil,
	}
	if len(sel) == 0 {
		return all
	}
	out := map[string]any{}
	for _, k := range sel {
		for name, v := range all {
			if strings.EqualFold(name, k) {
				out[name] = v
			}
		}
	}
	return out
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// parseSelect validates $select against known names.
func parseSelect(q url.Values, known []string, typeName string) ([]string, *graphError) {
	raw := q.Get("$select")
	if raw == "" {
		return nil, nil
	}
	var out []string
	for _, f := range strings.Split(raw, ",") {
		f = strings.TrimSpace(f)
		ok := false
		for _, k := range known {
			if strings.EqualFold(k, f) {
				out, ok = append(out, k), true
				break
			}
		}
		if !ok {
			return nil, errf(http.StatusBadRequest, "RequestBroker--ParseUri", "Could not find a property named '%s' on type '%s'.", f, typeName)
		}
	}
	return out, nil
}

// parseSkip reads $skip as Graph does: a whole number, 0 when absent.
func parseSkip(q url.Values) (int, *graphError) {
	v := q.Get("$skip")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errBadRequest("Invalid $skip value '%s'.", v)
	}
	return n, nil
}

func parseTop(q url.Values, def, max int) (int, *graphError) {
	raw := q.Get("$top")
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		return 0, errBadRequest("Invalid $top value '%s'.", raw)
	}
	if n > max {
		return 0, errf(http.StatusBadRequest, "Request_BadRequest", "Invalid page size specified: '%d'. Must be between 1 and %d inclusive.", n, max)
	}
	return n, nil
}

func (s *Server) serveMe(w http.ResponseWriter, r *http.Request, rc *reqCtx) *graphError {
	sel, e := parseSelect(r.URL.Query(), userProperties, "microsoft.graph.user")
	if e != nil {
		return e
	}
	body := userJSON(s.opt.User, sel)
	body["@odata.context"] = rc.base + "/$metadata#users/$entity"
	s.writeJSON(w, http.StatusOK, body)
	return nil
}

func (s *Server) serveUser(w http.ResponseWriter, r *http.Request, rc *reqCtx, id string) *graphError {
	u, ok := s.findUser(id)
	if !ok {
		return errf(http.StatusNotFound, "Request_ResourceNotFound", "Resource '%s' does not exist or one of its queried reference-property objects are not present.", id)
	}
	sel, e := parseSelect(r.URL.Query(), userProperties, "microsoft.graph.user")
	if e != nil {
		return e
	}
	body := userJSON(u, sel)
	body["@odata.context"] = rc.base + "/$metadata#users/$entity"
	s.writeJSON(w, http.StatusOK, body)
	return nil
}

// searchClause is one "property:text" of a directory $search.
type searchClause struct{ prop, text string }

// parseUserSearch parses `"displayName:jo"` clauses joined by OR/AND.
// It returns the clauses and whether they are joined by AND.
func parseUserSearch(s string) ([]searchClause, bool, *graphError) {
	var clauses []searchClause
	and := false
	rest := strings.TrimSpace(s)
	for i := 0; rest != ""; i++ {
		if i > 0 {
			op, r, _ := strings.Cut(rest, " ")
			switch strings.ToUpper(op) {
			case "OR":
			case "AND":
				and = true
			default:
				return nil, false, errBadRequest("Syntax error: '%s' is not valid in $search; join clauses with OR or AND.", op)
			}
			rest = strings.TrimSpace(r)
		}
		if !strings.HasPrefix(rest, `"`) {
			return nil, false, errf(http.StatusBadRequest, "Request_UnsupportedQuery", "Syntax error: $search clauses must be quoted, like \"displayName:jo\".")
		}
		end := strings.Index(rest[1:], `"`)
		if end < 0 {
			return nil, false, errBadRequest("Syntax error: unterminated quote in $search.")
		}
		clause := rest[1 : end+1]
		rest = strings.TrimSpace(rest[end+2:])
		prop, text, ok := strings.Cut(clause, ":")
		if !ok {
			return nil, false, errf(http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported $search clause '%s': use \"property:text\".", clause)
		}
		known := false
		for _, k := range []string{"displayName", "mail", "userPrincipalName", "givenName", "surname", "jobTitle"} {
			if strings.EqualFold(k, prop) {
				prop, known = k, true
			}
		}
		if !known {
			return nil, false, errf(http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported property '%s' in $search.", prop)
		}
		clauses = append(clauses, searchClause{prop: prop, text: strings.ToLower(text)})
	}
	if len(clauses) == 0 {
		return nil, false, errf(http.StatusBadRequest, "Request_UnsupportedQuery", "Empty $search.")
	}
	return clauses, and, nil
}

// matchesWordPrefix reports whether a word of value starts with text, the
// way the directory's $search tokenizes.
func matchesWordPrefix(value, text string) bool {
	value = strings.ToLower(value)
	if strings.HasPrefix(value, text) {
		return true
	}
	words := strings.FieldsFunc(value, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for _, w := range words {
		if strings.HasPrefix(w, text) {
			return true
		}
	}
	return false
}

func (c searchClause) match(u User) bool {
	given, sur, _ := strings.Cut(u.DisplayName, " ")
	var v string
	switch c.prop {
	case "displayName":
		v = u.DisplayName
	case "mail":
		v = u.Mail
	case "userPrincipalName":
		v = u.UserPrincipalName
	case "givenName":
		v = given
	case "surname":
		v = sur
	case "jobTitle":
		v = u.JobTitle
	}
	return matchesWordPrefix(v, c.text)
}

func (s *Server) serveUsers(w http.ResponseWriter, r *http.Request, rc *reqCtx) *graphError {
	q := r.URL.Query()
	search := q.Get("$search")
	eventual := strings.EqualFold(strings.TrimSpace(r.Header.Get("ConsistencyLevel")), "eventual")
	if (search != "" || q.Get("$count") == "true") && !eventual {
		return errf(http.StatusBadRequest, "Request_UnsupportedQuery", "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'")
	}
	if q.Get("$filter") != "" {
		return errf(http.StatusBadRequest, "Request_UnsupportedQuery", "The emulator supports $search on users, not $filter.")
	}
	sel, e := parseSelect(q, userProperties, "microsoft.graph.user")
	if e != nil {
		return e
	}
	top, e := parseTop(q, 100, 999)
	if e != nil {
		return e
	}
	skip := 0
	if v := q.Get("$skiptoken"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errBadRequest("Invalid $skiptoken.")
		}
		skip = n
	}
	var matches []User
	if search == "" {
		matches = s.opt.Users
	} else {
		clauses, and, e := parseUserSearch(search)
		if e != nil {
			return e
		}
		for _, u := range s.opt.Users {
			hit := and
			for _, c := range clauses {
				if and {
					hit = hit && c.match(u)
				} else {
					hit = hit || c.match(u)
				}
			}
			if hit {
				matches = append(matches, u)
			}
		}
	}
	body := map[string]any{"@odata.context": rc.base + "/$metadata#users"}
	if q.Get("$count") == "true" {
		body["@odata.count"] = len(matches)
	}
	page := []map[string]any{}
	for i := skip; i < len(matches) && len(page) < top; i++ {
		page = append(page, userJSON(matches[i], sel))
	}
	if next := skip + len(page); next < len(matches) && top > 0 {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("$skiptoken", strconv.Itoa(next))
		body["@odata.nextLink"] = rc.base + "/users?" + nq.Encode()
	}
	body["value"] = page
	s.writeJSON(w, http.StatusOK, body)
	return nil
}
