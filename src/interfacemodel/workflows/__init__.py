"""FireWorks layer: the one generic FireTask that runs a flow-layer job (:mod:`.jobs`), the
campaign's workflow made from its flow (:mod:`.constructors`), LaunchPad set-up (embedded
store or MongoDB, :mod:`.launchpad`) and the campaign commands (:mod:`.runner`). The only
package that imports FireWorks."""
