module example.com/fixture

go 1.22

require (
	github.com/google/go-cmp v0.6.0
	golang.org/x/mod v0.20.0
	golang.org/x/tools v0.20.0
)

require golang.org/x/sync v0.7.0 // indirect
