//go:build tools

// Package tools pins the OPA CLI used to build and test the policy pack.
package tools

import _ "github.com/open-policy-agent/opa"
