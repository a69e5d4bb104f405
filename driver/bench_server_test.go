package driver

const serverEnv = "OTPNET_DRIVER_BENCH_SERVER"

func benchServerMain() int { return 0 }
