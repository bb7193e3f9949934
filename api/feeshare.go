package api

// feeshareRoutes are the fee-share program's routes (program/feeshare).
func (s *Server) feeshareRoutes() []Route { return nil }
