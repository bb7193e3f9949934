package usage_test

import "os"

func testingEnv(name string) string { return os.Getenv(name) }
