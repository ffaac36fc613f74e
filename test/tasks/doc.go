// Package tasks_test runs cemcp's task suite (internal/tasks) end to end:
// every task's two reference solutions go through the real gateway
// (internal/gateway) connected over stdio to the real bundled servers, and
// both answers are validated by the task's checker.
//
// The context-coupled plan is played round by round as an MCP client would:
// the calls of a round are issued concurrently as pass-through tool calls
// (server__tool) on the gateway's MCP face; the context-decoupled program is
// sent once through execute_code over the same client session. The bundled
// servers are this test binary re-executed with CEMCP_TASKS_TEST_SERVER set.
package tasks_test
