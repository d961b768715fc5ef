# The man page tgdp(1): written at build time by `tgdp --man` (from the same command and option
# tables as --help) and installed to share/man/man1. tests/cli_man.sh checks it.
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/tgdp.1
                   COMMAND tgdp --man > ${CMAKE_BINARY_DIR}/tgdp.1
                   DEPENDS tgdp
                   COMMENT "Writing the man page tgdp.1")
add_custom_target(tgdp_man ALL DEPENDS ${CMAKE_BINARY_DIR}/tgdp.1)
install(FILES ${CMAKE_BINARY_DIR}/tgdp.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
