package api

// usageRoutes are the usage program's routes (program/usage).
func (s *Server) usageRoutes() []Route { return nil }
