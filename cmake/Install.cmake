# `cmake --install`: the deployable libraries (the runtime, and the pipeline with what it links:
# graph construction, io, geometry, track building, core), their headers under include/efgnn, an
# exported CMake package (find_package(efgnn) -> efgnn::runtime, efgnn::pipeline, ...) and
# pkg-config files (efgnn-runtime.pc: the runtime alone; efgnn.pc: the pipeline). The training side
# (LibTorch) is not part of it; the efgnn command is installed beside it.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(EFGNN_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/efgnn)
set(EFGNN_INSTALLED_LIBRARIES core io geometry graph reco runtime pipeline)
set(_targets "")
foreach(name IN LISTS EFGNN_INSTALLED_LIBRARIES)
  # Position-independent: a trigger framework's plug-in (a shared object) links them.
  set_target_properties(efgnn_${name} PROPERTIES EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
  list(APPEND _targets efgnn_${name})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/${name} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/efgnn
          FILES_MATCHING PATTERN "*.hpp")
endforeach()
install(TARGETS ${_targets} EXPORT efgnnTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/efgnn)
install(EXPORT efgnnTargets NAMESPACE efgnn:: DESTINATION ${EFGNN_INSTALL_CMAKEDIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/efgnnConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/efgnnConfig.cmake INSTALL_DESTINATION ${EFGNN_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/efgnnConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/efgnnConfig.cmake ${PROJECT_BINARY_DIR}/efgnnConfigVersion.cmake
        DESTINATION ${EFGNN_INSTALL_CMAKEDIR})

# pkg-config: the libraries are static, so their dependencies are listed in Libs.
set(EFGNN_PC_DEPENDENCY_LIBS "")
foreach(lib IN LISTS HDF5_C_LIBRARIES HEPMC3_LIBRARIES)
  string(APPEND EFGNN_PC_DEPENDENCY_LIBS " ${lib}")
endforeach()
set(EFGNN_PC_DEPENDENCY_CFLAGS "")
foreach(dir IN LISTS HDF5_C_INCLUDE_DIRS HEPMC3_INCLUDE_DIR)
  string(APPEND EFGNN_PC_DEPENDENCY_CFLAGS " -I${dir}")
endforeach()
file(RELATIVE_PATH EFGNN_PC_UP /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
foreach(pc efgnn efgnn-runtime)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/${pc}.pc.in ${PROJECT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

if(TARGET efgnn)
  install(TARGETS efgnn RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
