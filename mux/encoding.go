package mux

import (
	"net/http"
	"strconv"
	"strings"
)

// AcceptsGzip reports whether the request headers h accept the gzip
// content coding: Accept-Encoding lists "gzip" (or "x-gzip"), or "*"
// without naming gzip, with a quality above zero.
func AcceptsGzip(h http.Header) bool {
	star, named := false, false
	for _, v := range h.Values("Accept-Encoding") {
		for tok := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(tok, ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			ok := qualityAboveZero(params)
			switch coding {
			case "gzip", "x-gzip":
				if !ok {
					return false
				}
				named = true
			case "*":
				star = star || ok
			}
		}
	}
	return named || star
}

// qualityAboveZero reads the q parameter among ";"-separated params; a
// missing or unreadable q counts as 1.
func qualityAboveZero(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		if strings.TrimSpace(strings.ToLower(k)) != "q" {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return true
		}
		return q > 0
	}
	return true
}
