; Kuvert's additions to the NSIS installer that Tauri generates
; (bundle > windows > nsis > installerHooks in src-tauri/tauri.conf.json).
; Tauri inserts the NSIS_HOOK_* macros into its installer.nsi; MAINBINARYNAME
; ("kuvert-desktop", from mainBinaryName) and INSTALLMODE are its defines.
;
; They register, for every user of the machine:
;   - the kuvert:// link scheme (kuvert://compose?to=...&subject=...&case=...);
;   - Kuvert as an "Open with" ("Oppna med") choice for the attachment types,
;     without making it the default program for any of them. That is why
;     bundle > fileAssociations is switched off for Windows
;     (src-tauri/tauri.windows.conf.json): Tauri's installers would make
;     Kuvert the handler of .pdf, .txt, .docx, ... on the whole machine;
;   - "Send to > Kuvert" (kuvert-desktop --attach FILE...).
; Everything is removed again on uninstall. packaging/windows/kuvert-shell.wxs
; registers the same link scheme and "Open with" entries in the MSI.
; scripts/check-release-workflow compiles these hooks with makensis and checks
; that their extensions are those of bundle > fileAssociations.
;
; Keep this file ASCII: makensis reads it in the build machine's code page.

!define KUVERT_PROGID "Kuvert.Attachment"
!define KUVERT_SENDTO_NAME "Kuvert.lnk"
; The copy of the shortcut that each user's first logon puts in their SendTo.
!define KUVERT_SENDTO_TEMPLATE "SendTo-Kuvert.lnk"
!define KUVERT_ACTIVE_SETUP "Software\Microsoft\Active Setup\Installed Components\se.kuvert.desktop.sendto"

Var KuvertContextWasAll

; The attachment types "Open with" offers Kuvert for: the extensions of
; bundle > fileAssociations (macOS, Linux) in src-tauri/tauri.conf.json.
!macro KUVERT_FOR_EACH_EXTENSION MACRO
  !insertmacro ${MACRO} "pdf"
  !insertmacro ${MACRO} "jpg"
  !insertmacro ${MACRO} "jpeg"
  !insertmacro ${MACRO} "png"
  !insertmacro ${MACRO} "gif"
  !insertmacro ${MACRO} "tif"
  !insertmacro ${MACRO} "tiff"
  !insertmacro ${MACRO} "txt"
  !insertmacro ${MACRO} "docx"
  !insertmacro ${MACRO} "xlsx"
  !insertmacro ${MACRO} "odt"
!macroend

; OpenWithProgids lists Kuvert in the type's "Open with" menu; the type's
; default value, its default program, is left alone.
!macro KUVERT_OPEN_WITH_ADD EXT
  WriteRegStr HKLM "Software\Classes\.${EXT}\OpenWithProgids" "${KUVERT_PROGID}" ""
  WriteRegStr HKLM "Software\Classes\Applications\${MAINBINARYNAME}.exe\SupportedTypes" ".${EXT}" ""
!macroend

!macro KUVERT_OPEN_WITH_REMOVE EXT
  DeleteRegValue HKLM "Software\Classes\.${EXT}\OpenWithProgids" "${KUVERT_PROGID}"
!macroend

; $SENDTO exists only per user: Windows has no all-users SendTo folder, and
; with SetShellVarContext all NSIS falls back to the current user's. So the
; user who runs the installer gets the shortcut here, and every other user
; gets it from Active Setup at their next logon. Around $SENDTO the context is
; set to current on purpose, then put back: this installer is per machine,
; and what Tauri does after the hook (the desktop shortcut of the finish
; page, the uninstaller's cleanup) expects "all".
!macro KUVERT_SENDTO_BEGIN
  StrCpy $KuvertContextWasAll 0
  ${If} ${ShellVarContextAll}
    StrCpy $KuvertContextWasAll 1
  ${EndIf}
  SetShellVarContext current
!macroend

!macro KUVERT_SENDTO_END
  ${If} $KuvertContextWasAll = 1
    SetShellVarContext all
  ${EndIf}
!macroend

!macro NSIS_HOOK_POSTINSTALL
  ; Checked here, not at the top: Tauri includes this file before it
  ; defines INSTALLMODE.
  !if "${INSTALLMODE}" != "perMachine"
    !error "installer-hooks.nsh registers Kuvert for all users (HKLM, Active Setup): bundle > windows > nsis > installMode must be perMachine"
  !endif

  ; kuvert:// links (HKLM: for every user; the installer runs elevated).
  WriteRegStr HKLM "Software\Classes\kuvert" "" "URL:Kuvert"
  WriteRegStr HKLM "Software\Classes\kuvert" "URL Protocol" ""
  WriteRegStr HKLM "Software\Classes\kuvert\DefaultIcon" "" "$\"$INSTDIR\${MAINBINARYNAME}.exe$\",0"
  WriteRegStr HKLM "Software\Classes\kuvert\shell\open\command" "" "$\"$INSTDIR\${MAINBINARYNAME}.exe$\" $\"%1$\""

  ; "Open with": a ProgID of Kuvert's own, and the application's entry
  ; (its name in the list, and the types it takes).
  WriteRegStr HKLM "Software\Classes\${KUVERT_PROGID}" "" "Kuvert"
  WriteRegStr HKLM "Software\Classes\${KUVERT_PROGID}\DefaultIcon" "" "$\"$INSTDIR\${MAINBINARYNAME}.exe$\",0"
  WriteRegStr HKLM "Software\Classes\${KUVERT_PROGID}\shell\open\command" "" "$\"$INSTDIR\${MAINBINARYNAME}.exe$\" $\"%1$\""
  WriteRegStr HKLM "Software\Classes\Applications\${MAINBINARYNAME}.exe" "FriendlyAppName" "Kuvert"
  WriteRegStr HKLM "Software\Classes\Applications\${MAINBINARYNAME}.exe\shell\open\command" "" "$\"$INSTDIR\${MAINBINARYNAME}.exe$\" $\"%1$\""
  !insertmacro KUVERT_FOR_EACH_EXTENSION KUVERT_OPEN_WITH_ADD
  ; SHCNE_ASSOCCHANGED, SHCNF_IDLIST: Explorer reads the associations again.
  System::Call "shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)"

  ; Send to > Kuvert: Explorer appends the selected files to the arguments,
  ; so one shortcut hands them all to one compose form.
  CreateShortcut "$INSTDIR\${KUVERT_SENDTO_TEMPLATE}" "$INSTDIR\${MAINBINARYNAME}.exe" "--attach" \
    "$INSTDIR\${MAINBINARYNAME}.exe" 0 SW_SHOWNORMAL "" "Bifoga filerna i ett nytt meddelande i Kuvert"
  !insertmacro KUVERT_SENDTO_BEGIN
  CreateShortcut "$SENDTO\${KUVERT_SENDTO_NAME}" "$INSTDIR\${MAINBINARYNAME}.exe" "--attach" \
    "$INSTDIR\${MAINBINARYNAME}.exe" 0 SW_SHOWNORMAL "" "Bifoga filerna i ett nytt meddelande i Kuvert"
  !insertmacro KUVERT_SENDTO_END
  ; Active Setup runs StubPath once for each user, at their next logon
  ; (cmd expands %APPDATA% there, in that user's session).
  WriteRegStr HKLM "${KUVERT_ACTIVE_SETUP}" "" "Kuvert: Skicka till"
  WriteRegStr HKLM "${KUVERT_ACTIVE_SETUP}" "Version" "1"
  WriteRegDWORD HKLM "${KUVERT_ACTIVE_SETUP}" "IsInstalled" 1
  WriteRegStr HKLM "${KUVERT_ACTIVE_SETUP}" "StubPath" \
    "$\"$SYSDIR\cmd.exe$\" /d /q /c copy /y $\"$INSTDIR\${KUVERT_SENDTO_TEMPLATE}$\" $\"%APPDATA%\Microsoft\Windows\SendTo\${KUVERT_SENDTO_NAME}$\""
!macroend

!macro NSIS_HOOK_POSTUNINSTALL
  ; The link scheme only if it is still this installation's (as Tauri does
  ; for its own deep links).
  ReadRegStr $R0 HKLM "Software\Classes\kuvert\shell\open\command" ""
  ${If} $R0 == "$\"$INSTDIR\${MAINBINARYNAME}.exe$\" $\"%1$\""
    DeleteRegKey HKLM "Software\Classes\kuvert"
  ${EndIf}

  !insertmacro KUVERT_FOR_EACH_EXTENSION KUVERT_OPEN_WITH_REMOVE
  DeleteRegKey HKLM "Software\Classes\${KUVERT_PROGID}"
  DeleteRegKey HKLM "Software\Classes\Applications\${MAINBINARYNAME}.exe"
  System::Call "shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)"

  ; No more copies for new logons. Users other than this one keep theirs
  ; until they delete it: no installer can reach into their profiles.
  DeleteRegKey HKLM "${KUVERT_ACTIVE_SETUP}"
  !insertmacro KUVERT_SENDTO_BEGIN
  Delete "$SENDTO\${KUVERT_SENDTO_NAME}"
  !insertmacro KUVERT_SENDTO_END
  ; Tauri removed $INSTDIR before this hook if it was empty; the template
  ; shortcut kept it, so try again now.
  Delete "$INSTDIR\${KUVERT_SENDTO_TEMPLATE}"
  RMDir "$INSTDIR"
!macroend
