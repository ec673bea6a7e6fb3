package checks
import ("testing";"time";"strings")
func TestZZSlow(t *testing.T){
 cases := map[string]string{
  "deepSeq": strings.Repeat("[", 5000),
  "deepMap": strings.Repeat("{a: ", 5000),
  "deepBlock": func() string { var b strings.Builder; for i:=0;i<2000;i++ { b.WriteString(strings.Repeat(" ", i)+"- \n") }; return b.String() }(),
  "aliases": "a: &a [x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\noverlays: *g\n",
  "manyKeys": func() string { var b strings.Builder; for i:=0;i<20000;i++ { b.WriteString("rules:\n") }; return b.String() }(),
  "globStars": "overlays: ['" + strings.Repeat("*", 50000) + "']\n",
  "globBrackets": "overlays: ['" + strings.Repeat("[a-", 20000) + "']\n",
  "approversRules": "approvers:\n" + strings.Repeat("- rules: [x]\n", 20000),
  "flowKeys": strings.Repeat("? ", 20000),
  "longSimpleKey": "{" + strings.Repeat("a", 100000) ,
  "dupKeys": "rules:\n" + strings.Repeat("  rbac-change: {}\n", 20000),
 }
 for name, c := range cases {
  st := time.Now(); _, err := ParseConfig([]byte(c)); e := ""; if err != nil { e = err.Error(); if len(e) > 80 { e = e[:80] } }
  t.Logf("%-15s %6d bytes %v %s", name, len(c), time.Since(st), e)
 }
}
