# cmake --install puts headers, the library and a package config in place, so that another
# project does find_package(xtgrad) and target_link_libraries(app xtgrad::xtgrad) (or
# xtgrad::train for the training loop).
include(CMakePackageConfigHelpers)

set(xtgrad_installed_targets xtgrad xtgrad_train)
set(xtgrad_installed_modules ${XTGRAD_MODULES} train)
if(XTGRAD_HAVE_MPI)
    list(APPEND xtgrad_installed_targets xtgrad_dist)
    list(APPEND xtgrad_installed_modules dist)
endif()
install(TARGETS ${xtgrad_installed_targets}
    EXPORT xtgradTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(module IN LISTS xtgrad_installed_modules)
    install(DIRECTORY ${module}/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/xtgrad/${module}
        FILES_MATCHING PATTERN "*.hpp")
endforeach()

set(XTGRAD_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/xtgrad)
install(EXPORT xtgradTargets NAMESPACE xtgrad:: DESTINATION ${XTGRAD_CMAKE_DIR})
configure_package_config_file(cmake/xtgradConfig.cmake.in
    "${PROJECT_BINARY_DIR}/xtgradConfig.cmake"
    INSTALL_DESTINATION ${XTGRAD_CMAKE_DIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/xtgradConfigVersion.cmake"
    COMPATIBILITY SameMinorVersion)
install(FILES
    "${PROJECT_BINARY_DIR}/xtgradConfig.cmake"
    "${PROJECT_BINARY_DIR}/xtgradConfigVersion.cmake"
    DESTINATION ${XTGRAD_CMAKE_DIR})
