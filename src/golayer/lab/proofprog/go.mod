module golayer.dev/labproof

go 1.27
