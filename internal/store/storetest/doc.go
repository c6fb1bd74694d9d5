// Package storetest opens throwaway SecureMerge databases for tests of
// packages that use internal/store. It is for tests only and, like store,
// must not import fyne, excelize, msgraph, sentry or any other adapter.
package storetest
