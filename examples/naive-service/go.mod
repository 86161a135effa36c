module example.com/naive-service

go 1.22
